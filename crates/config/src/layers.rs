//! Layers of settings and their merge, with the origin of every value.
//!
//! A [`Layer`] is one source of settings as a TOML table. [`LayeredConfig`]
//! merges layers in order of increasing precedence and keeps, for every node of
//! the merged tree (keyed by its path), the [`Origin`] of the value that won.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};
use toml::{Table, Value};

use crate::error::ConfigError;
use crate::position::Position;

/// Where a layer came from, lowest precedence first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerSource {
    /// Built-in defaults.
    Default,
    /// `config.toml`.
    File { path: PathBuf },
    /// `[profiles.NAME]` of `config.toml`.
    Profile { name: String, path: PathBuf },
    /// `$CODEX_HOME/NAME.config.toml`, the reference's profile form.
    ProfileFile { name: String, path: PathBuf },
    /// One `-c key=value`, as typed.
    Override { raw: String },
    /// The defaults of a project `config.toml` marks as trusted.
    TrustedProject { path: PathBuf },
    /// A dedicated command-line flag such as `--model`.
    Flag { flag: String },
}

/// Where one value of the effective configuration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub source: LayerSource,
    /// Line and column inside the file, for file and profile layers.
    pub position: Option<Position>,
}

impl Origin {
    /// `path:line:col` for values from a file, else None.
    pub fn file_location(&self) -> Option<String> {
        let path = match &self.source {
            LayerSource::File { path }
            | LayerSource::Profile { path, .. }
            | LayerSource::ProfileFile { path, .. } => path,
            _ => return None,
        };
        Some(match self.position {
            Some(pos) => format!("{}:{pos}", path.display()),
            None => path.display().to_string(),
        })
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            LayerSource::Default => f.write_str("default"),
            LayerSource::File { .. } => f.write_str(&self.file_location().unwrap_or_default()),
            LayerSource::Profile { name, .. } => write!(
                f,
                "profile {name} ({})",
                self.file_location().unwrap_or_default()
            ),
            LayerSource::ProfileFile { name, .. } => write!(
                f,
                "{} (profile {name})",
                self.file_location().unwrap_or_default()
            ),
            LayerSource::Override { raw } => write!(f, "-c {raw}"),
            LayerSource::TrustedProject { path } => {
                write!(f, "trusted project {}", path.display())
            }
            LayerSource::Flag { flag } => write!(f, "flag {flag}"),
        }
    }
}

/// One source of settings.
#[derive(Debug, Clone)]
pub struct Layer {
    pub source: LayerSource,
    pub table: Table,
    /// Positions of nodes inside the source file, keyed by path.
    positions: HashMap<Vec<String>, Position>,
}

impl Layer {
    /// A layer without positions (defaults, overrides, flags).
    pub fn from_table(source: LayerSource, table: Table) -> Self {
        Self {
            source,
            table,
            positions: HashMap::new(),
        }
    }

    /// Parses a TOML file. A syntax error names the file, line and column.
    pub fn from_file_text(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let table: Table = toml::from_str(text).map_err(|err| {
            let position = err
                .span()
                .map(|span| Position::of_offset(text, span.start))
                .unwrap_or(Position { line: 1, column: 1 });
            ConfigError::Syntax {
                path: path.to_path_buf(),
                position,
                message: err.message().trim().to_string(),
            }
        })?;
        let mut positions = HashMap::new();
        if let Ok(spanned) = DeTable::parse(text) {
            let mut prefix = Vec::new();
            collect_table_positions(spanned.get_ref(), text, &mut prefix, &mut positions);
        }
        Ok(Self {
            source: LayerSource::File {
                path: path.to_path_buf(),
            },
            table,
            positions,
        })
    }

    /// This file layer as the profile `name` (a `NAME.config.toml`).
    pub fn into_profile_file(mut self, name: &str) -> Self {
        if let LayerSource::File { path } = self.source {
            self.source = LayerSource::ProfileFile {
                name: name.to_string(),
                path,
            };
        }
        self
    }

    /// The `[profiles.NAME]` table of this file layer, as a layer of its own.
    pub fn profile(&self, name: &str) -> Option<Self> {
        let LayerSource::File { path } = &self.source else {
            return None;
        };
        let table = self
            .table
            .get("profiles")?
            .as_table()?
            .get(name)?
            .as_table()?
            .clone();
        let prefix = ["profiles".to_string(), name.to_string()];
        let positions = self
            .positions
            .iter()
            .filter(|(key, _)| key.starts_with(&prefix))
            .map(|(key, pos)| (key[2..].to_vec(), *pos))
            .collect();
        Some(Self {
            source: LayerSource::Profile {
                name: name.to_string(),
                path: path.clone(),
            },
            table,
            positions,
        })
    }

    /// The position of `path` inside this layer's file, if known.
    pub fn position_of(&self, path: &[String]) -> Option<Position> {
        self.positions.get(path).copied()
    }

    /// Removes `path` from the layer (used to drop values that may not be set).
    pub fn remove(&mut self, path: &[&str]) -> Option<Value> {
        let (last, parents) = path.split_last()?;
        let mut table = &mut self.table;
        for key in parents {
            table = table.get_mut(*key)?.as_table_mut()?;
        }
        table.remove(*last)
    }
}

fn collect_table_positions(
    table: &DeTable<'_>,
    text: &str,
    prefix: &mut Vec<String>,
    out: &mut HashMap<Vec<String>, Position>,
) {
    for (key, value) in table.iter() {
        prefix.push(key.get_ref().to_string());
        // Point at the value for scalars (that is what is wrong in a type
        // error) and at the key for tables.
        let offset = match value.get_ref() {
            DeValue::Table(_) => key.span().start,
            _ => value.span().start,
        };
        out.insert(prefix.clone(), Position::of_offset(text, offset));
        collect_value_positions(value, text, prefix, out);
        prefix.pop();
    }
}

fn collect_value_positions(
    value: &Spanned<DeValue<'_>>,
    text: &str,
    prefix: &mut Vec<String>,
    out: &mut HashMap<Vec<String>, Position>,
) {
    match value.get_ref() {
        DeValue::Table(table) => collect_table_positions(table, text, prefix, out),
        DeValue::Array(array) => {
            for (index, element) in array.iter().enumerate() {
                prefix.push(index.to_string());
                out.insert(
                    prefix.clone(),
                    Position::of_offset(text, element.span().start),
                );
                collect_value_positions(element, text, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

/// The merge of a stack of layers.
#[derive(Debug, Clone, Default)]
pub struct LayeredConfig {
    merged: Table,
    origins: BTreeMap<Vec<String>, Origin>,
}

impl LayeredConfig {
    pub fn new() -> Self {
        Self::default()
    }

    /// Merges `layer` on top of what is there.
    pub fn push(&mut self, layer: &Layer) {
        let mut prefix = Vec::new();
        merge_table(
            &mut self.merged,
            &layer.table,
            &mut prefix,
            layer,
            &mut self.origins,
        );
    }

    pub fn merged(&self) -> &Table {
        &self.merged
    }

    /// The value at a dotted path of the merged table.
    pub fn get(&self, path: &[&str]) -> Option<&Value> {
        let (last, parents) = path.split_last()?;
        let mut table = &self.merged;
        for key in parents {
            table = table.get(*key)?.as_table()?;
        }
        table.get(*last)
    }

    /// The origin of the node at `path`, or of its nearest ancestor that has one.
    pub fn origin_of(&self, path: &[String]) -> Option<&Origin> {
        (0..=path.len())
            .rev()
            .find_map(|len| self.origins.get(&path[..len]))
    }

    /// The origin recorded for exactly this node.
    pub fn exact_origin(&self, path: &[String]) -> Option<&Origin> {
        self.origins.get(path)
    }

    /// The origins recorded for `path` and every node under it.
    pub fn origins_under<'a>(&'a self, path: &'a [String]) -> impl Iterator<Item = &'a Origin> {
        self.origins
            .range(path.to_vec()..)
            .take_while(move |(key, _)| key.starts_with(path))
            .map(|(_, origin)| origin)
    }
}

fn merge_table(
    dst: &mut Table,
    src: &Table,
    prefix: &mut Vec<String>,
    layer: &Layer,
    origins: &mut BTreeMap<Vec<String>, Origin>,
) {
    for (key, value) in src {
        prefix.push(key.clone());
        match (dst.get_mut(key), value) {
            (Some(Value::Table(existing)), Value::Table(incoming)) => {
                origins.insert(prefix.clone(), origin_in(layer, prefix));
                merge_table(existing, incoming, prefix, layer, origins);
            }
            _ => {
                remove_descendants(origins, prefix);
                dst.insert(key.clone(), value.clone());
                record_origins(value, prefix, layer, origins);
            }
        }
        prefix.pop();
    }
}

fn origin_in(layer: &Layer, path: &[String]) -> Origin {
    Origin {
        source: layer.source.clone(),
        position: layer.position_of(path),
    }
}

fn record_origins(
    value: &Value,
    prefix: &mut Vec<String>,
    layer: &Layer,
    origins: &mut BTreeMap<Vec<String>, Origin>,
) {
    origins.insert(prefix.clone(), origin_in(layer, prefix));
    match value {
        Value::Table(table) => {
            for (key, child) in table {
                prefix.push(key.clone());
                record_origins(child, prefix, layer, origins);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                prefix.push(index.to_string());
                record_origins(child, prefix, layer, origins);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn remove_descendants(origins: &mut BTreeMap<Vec<String>, Origin>, prefix: &[String]) {
    let doomed: Vec<Vec<String>> = origins
        .range(prefix.to_vec()..)
        .take_while(|(key, _)| key.starts_with(prefix))
        .map(|(key, _)| key.clone())
        .collect();
    for key in doomed {
        origins.remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn path(p: &str) -> Vec<String> {
        p.split('.').map(str::to_string).collect()
    }

    #[test]
    fn later_layers_win_and_tables_merge() {
        let file_text = "model = \"a\"\n[history]\npersistence = \"none\"\nmax_bytes = 10\n";
        let file = Layer::from_file_text(Path::new("/h/config.toml"), file_text).unwrap();
        let mut flag_table = Table::new();
        let mut history = Table::new();
        history.insert("max_bytes".into(), Value::Integer(20));
        flag_table.insert("history".into(), Value::Table(history));
        let flags = Layer::from_table(LayerSource::Flag { flag: "--x".into() }, flag_table);

        let mut layered = LayeredConfig::new();
        layered.push(&file);
        layered.push(&flags);

        assert_eq!(
            layered.get(&["history", "persistence"]),
            Some(&Value::String("none".into()))
        );
        assert_eq!(
            layered.get(&["history", "max_bytes"]),
            Some(&Value::Integer(20))
        );
        assert_eq!(
            layered
                .origin_of(&path("history.persistence"))
                .unwrap()
                .to_string(),
            "/h/config.toml:3:15"
        );
        assert_eq!(
            layered
                .origin_of(&path("history.max_bytes"))
                .unwrap()
                .to_string(),
            "flag --x"
        );
        assert_eq!(
            layered.origin_of(&path("model")).unwrap().to_string(),
            "/h/config.toml:1:9"
        );
    }

    #[test]
    fn replacing_a_table_forgets_its_children() {
        let file = Layer::from_file_text(
            Path::new("c.toml"),
            "[tui]\nnotifications = [\"a\", \"b\"]\n",
        )
        .unwrap();
        let mut t = Table::new();
        t.insert("tui".into(), Value::String("x".into()));
        let over = Layer::from_table(
            LayerSource::Override {
                raw: "tui=x".into(),
            },
            t,
        );
        let mut layered = LayeredConfig::new();
        layered.push(&file);
        assert!(layered.exact_origin(&path("tui.notifications.1")).is_some());
        layered.push(&over);
        assert!(layered.exact_origin(&path("tui.notifications")).is_none());
        assert_eq!(
            layered
                .origin_of(&path("tui.notifications.1"))
                .unwrap()
                .to_string(),
            "-c tui=x"
        );
    }

    #[test]
    fn profile_layers_keep_file_positions() {
        let text = "model = \"a\"\n\n[profiles.fast]\nmodel = \"b\"\n";
        let file = Layer::from_file_text(Path::new("config.toml"), text).unwrap();
        let profile = file.profile("fast").unwrap();
        assert_eq!(
            profile.position_of(&path("model")),
            Some(Position { line: 4, column: 9 })
        );
        assert!(file.profile("slow").is_none());
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = Layer::from_file_text(Path::new("/x/config.toml"), "a = 1\nb = \n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("/x/config.toml:2:"), "{text}");
    }
}
