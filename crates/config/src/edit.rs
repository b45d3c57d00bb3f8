//! Changes to `config.toml` that codex makes on the person's behalf (the
//! trust answer, `codex mcp add`): made with `toml_edit`, so comments, order
//! and formatting of everything else survive, and written atomically (a
//! temporary 0600 file and a rename), so a crash never leaves half a file.

use std::path::Path;

use toml_edit::{DocumentMut, Item, Table, value};

use crate::error::ConfigError;
use crate::position::Position;
use crate::project::ProjectTrust;

/// Reads `path` (empty if absent), lets `change` edit it and writes it back.
/// A file that is not valid TOML is left alone and named in the error.
pub fn edit_config_file(
    path: &Path,
    change: impl FnOnce(&mut DocumentMut),
) -> Result<(), ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut doc: DocumentMut = text.parse().map_err(|err: toml_edit::TomlError| {
        let position = err
            .span()
            .map(|span| Position::of_offset(&text, span.start))
            .unwrap_or(Position { line: 1, column: 1 });
        ConfigError::Syntax {
            path: path.to_path_buf(),
            position,
            message: err.message().trim().to_string(),
        }
    })?;
    change(&mut doc);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| ConfigError::Write {
            path: path.to_path_buf(),
            source,
        })?;
    }
    crate::private_file::write_atomic(path, doc.to_string().as_bytes()).map_err(|source| {
        ConfigError::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// The `[NAME]` table of `doc`, created (as a header table) if missing; a
/// non-table value under that name is replaced.
pub fn table_mut<'a>(doc: &'a mut Table, name: &str) -> &'a mut Table {
    let entry = doc.entry(name).or_insert_with(|| {
        let mut table = Table::new();
        table.set_implicit(true);
        Item::Table(table)
    });
    if !entry.is_table() {
        let mut table = Table::new();
        table.set_implicit(true);
        *entry = Item::Table(table);
    }
    match entry {
        Item::Table(table) => table,
        // Made a table just above.
        _ => unreachable!("entry was just made a table"),
    }
}

/// Records the answer to "trust this folder?" as
/// `[projects."<project>"] trust_level = "trusted" | "untrusted"`.
pub fn set_project_trust(
    config_file: &Path,
    project: &Path,
    trust: ProjectTrust,
) -> Result<(), ConfigError> {
    edit_config_file(config_file, |doc| {
        let projects = table_mut(doc.as_table_mut(), "projects");
        let entry = table_mut(projects, &project.display().to_string());
        entry.set_implicit(false);
        entry.insert("trust_level", value(trust.as_str()));
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn trust_is_added_without_touching_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(
            &file,
            "# my settings\nmodel = \"o3\"  # fast\n\n[tui]\nanimations = false\n",
        )
        .unwrap();
        set_project_trust(&file, Path::new("/work/a b"), ProjectTrust::Trusted).unwrap();
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "# my settings\nmodel = \"o3\"  # fast\n\n[tui]\nanimations = false\n\n[projects.\"/work/a b\"]\ntrust_level = \"trusted\"\n"
        );
        // Answering again replaces the value.
        set_project_trust(&file, Path::new("/work/a b"), ProjectTrust::Untrusted).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.ends_with("[projects.\"/work/a b\"]\ntrust_level = \"untrusted\"\n"),
            "{text}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn a_broken_file_is_named_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, "model = \n").unwrap();
        let err = set_project_trust(&file, Path::new("/x"), ProjectTrust::Trusted).unwrap_err();
        assert!(err.to_string().contains("config.toml:1:"), "{err}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "model = \n");
    }

    #[test]
    fn a_missing_file_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("home/config.toml");
        set_project_trust(&file, Path::new("/x"), ProjectTrust::Trusted).unwrap();
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "[projects.\"/x\"]\ntrust_level = \"trusted\"\n"
        );
    }
}
