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
    try_edit_config_file(path, |doc| {
        change(doc);
        Ok(())
    })
}

/// [`edit_config_file`] for a change that can refuse: when `change` fails,
/// the file is not written.
pub fn try_edit_config_file(
    path: &Path,
    change: impl FnOnce(&mut DocumentMut) -> Result<(), ConfigError>,
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
    change(&mut doc)?;
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

/// One change of [`set_values`]: `key_path` (dotted) set to `value`;
/// `upsert` merges a table value into the table already there instead of
/// replacing it.
#[derive(Debug, Clone)]
pub struct ValueEdit {
    pub key_path: String,
    pub value: serde_json::Value,
    pub upsert: bool,
}

/// Applies `edits` to `path` all at once: either every edit lands (one
/// atomic write, comments kept) or, when the result would not be a valid
/// configuration, nothing changes and the error names the key.
pub fn set_values(path: &Path, edits: &[ValueEdit]) -> Result<(), ConfigError> {
    try_edit_config_file(path, |doc| apply_edits(path, doc, edits))
}

fn apply_edits(path: &Path, doc: &mut DocumentMut, edits: &[ValueEdit]) -> Result<(), ConfigError> {
    for edit in edits {
        let invalid = |message: String| ConfigError::InvalidValue {
            location: path.display().to_string(),
            key: edit.key_path.clone(),
            message,
        };
        let parts: Vec<&str> = edit.key_path.split('.').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(invalid("the key path has an empty part".into()));
        }
        let (last, parents) = parts
            .split_last()
            .ok_or_else(|| invalid("empty key".into()))?;
        let mut table = doc.as_table_mut();
        for part in parents {
            table = table_mut(table, part);
        }
        let item = json_to_item(&edit.value).map_err(invalid)?;
        match (edit.upsert, table.get_mut(last), item) {
            (true, Some(Item::Table(existing)), Item::Table(new)) => {
                for (key, value) in new.iter() {
                    existing.insert(key, value.clone());
                }
            }
            (_, _, Item::None) => {
                table.remove(last);
            }
            // Only the value changes: the key keeps its comments.
            (_, Some(existing), item) => *existing = item,
            (_, None, item) => {
                table.insert(last, item);
            }
        }
    }
    let new_text = doc.to_string();
    if let Err(err) = toml::from_str::<crate::schema::ConfigToml>(&new_text) {
        return Err(ConfigError::InvalidValue {
            location: path.display().to_string(),
            key: edits
                .iter()
                .map(|e| e.key_path.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            message: format!(
                "the result would not be a valid configuration: {}",
                err.message()
            ),
        });
    }
    Ok(())
}

/// A JSON value as TOML: objects become tables, `null` removes the key.
fn json_to_item(json: &serde_json::Value) -> Result<Item, String> {
    use serde_json::Value as J;
    Ok(match json {
        J::Null => Item::None,
        J::Object(map) => {
            let mut table = Table::new();
            for (key, value) in map {
                match json_to_item(value)? {
                    Item::None => {}
                    item => {
                        table.insert(key, item);
                    }
                }
            }
            Item::Table(table)
        }
        other => Item::Value(json_to_value(other)?),
    })
}

fn json_to_value(json: &serde_json::Value) -> Result<toml_edit::Value, String> {
    use serde_json::Value as J;
    Ok(match json {
        J::Bool(b) => (*b).into(),
        J::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.into(),
            (None, Some(f)) => f.into(),
            _ => return Err(format!("{n} does not fit a TOML number")),
        },
        J::String(s) => s.as_str().into(),
        J::Array(items) => {
            let mut array = toml_edit::Array::new();
            for item in items {
                array.push(json_to_value(item)?);
            }
            toml_edit::Value::Array(array)
        }
        J::Object(map) => {
            let mut table = toml_edit::InlineTable::new();
            for (key, value) in map {
                if !value.is_null() {
                    table.insert(key, json_to_value(value)?);
                }
            }
            toml_edit::Value::InlineTable(table)
        }
        J::Null => return Err("null inside a list or table".into()),
    })
}

#[cfg(test)]
mod value_edit_tests {
    use super::*;

    #[test]
    fn edits_keep_comments_and_a_bad_one_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "# mine\nmodel = \"a\"\n\n[tui]\n# keep\nnotifications = true\n",
        )
        .unwrap();
        set_values(
            &path,
            &[
                ValueEdit {
                    key_path: "model".into(),
                    value: serde_json::json!("b"),
                    upsert: false,
                },
                ValueEdit {
                    key_path: "tui.alternate_screen".into(),
                    value: serde_json::json!("always"),
                    upsert: false,
                },
            ],
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("# mine") && text.contains("# keep"), "{text}");
        assert!(text.contains("model = \"b\""), "{text}");
        assert!(text.contains("alternate_screen = \"always\""), "{text}");
        let err = set_values(
            &path,
            &[
                ValueEdit {
                    key_path: "model".into(),
                    value: serde_json::json!("c"),
                    upsert: false,
                },
                ValueEdit {
                    key_path: "approval_policy".into(),
                    value: serde_json::json!("sometimes"),
                    upsert: false,
                },
            ],
        )
        .unwrap_err();
        assert!(err.to_string().contains("approval_policy"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            text,
            "nothing changed"
        );
    }
}
