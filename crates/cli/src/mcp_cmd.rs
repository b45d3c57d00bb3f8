//! `codex mcp add | list | get | remove | login | logout`: the
//! `[mcp_servers]` of `config.toml` and the OAuth sign-ins of its HTTP
//! servers. Changes go through `codex_config::edit` (comments and layout
//! kept, written atomically); listing reads the configuration and starts
//! nothing — only an HTTP server with no credentials is asked, briefly and
//! all at once, whether it offers OAuth, for the Auth column.

use std::collections::BTreeMap;

use anyhow::Context;
use clap::{Args, Subcommand};
use codex_config::McpOAuthCredentialsStore;
use codex_config::mcp::{McpServerConfig, McpServerTransportConfig};
use codex_config::{find_codex_home, load_config};
use codex_mcp::oauth;
use serde_json::{Value, json};
use toml_edit::{Array, Item, Table, value};

use crate::cli::SharedOptions;

#[derive(Debug, Subcommand)]
pub enum McpCommand {
    /// Add a server: `codex mcp add NAME -- COMMAND [ARGS...]` (stdio) or
    /// `codex mcp add NAME --url URL` (streamable HTTP).
    Add(AddArgs),
    /// List the configured servers.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one server's settings.
    Get {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove a server.
    Remove { name: String },
    /// Sign in to a streamable-HTTP server with OAuth (opens a browser, or
    /// prints the address to open).
    Login {
        name: String,
        /// Scopes to ask for, comma-separated (default: what the server
        /// advertises).
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
    },
    /// Forget the OAuth tokens of a server.
    Logout { name: String },
}

/// How long `mcp login` waits for the browser.
const LOGIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// How long `mcp list` waits for a server to say whether it offers OAuth.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(1500);

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("transport").required(true).args(["url", "command"])))]
pub struct AddArgs {
    /// The server's name (letters, digits, `-`, `_`, `:`, `@`, `/`, `.`).
    name: String,

    /// A variable to set for a stdio server, `KEY=VALUE`. Repeatable.
    #[arg(long = "env", value_name = "KEY=VALUE", conflicts_with = "url")]
    env: Vec<String>,

    /// The URL of a streamable HTTP server.
    #[arg(long)]
    url: Option<String>,

    /// The environment variable that holds a bearer token for the URL.
    #[arg(long, value_name = "ENV_VAR", requires = "url")]
    bearer_token_env_var: Option<String>,

    /// The command that starts a stdio server, and its arguments.
    #[arg(last = true, value_name = "COMMAND")]
    command: Vec<String>,
}

pub fn run(shared: &SharedOptions, command: McpCommand) -> anyhow::Result<()> {
    let codex_home = find_codex_home()?;
    let config_file = codex_home.join("config.toml");
    match command {
        McpCommand::Add(args) => add(&config_file, args),
        McpCommand::Remove { name } => remove(&config_file, &name),
        McpCommand::List { json } => {
            let config = load_config(&codex_home, &shared.to_overrides())?;
            let (servers, warnings) = codex_plugins::effective_mcp_servers(&config);
            for warning in warnings {
                eprintln!("warning: {warning}");
            }
            let auth = auth_statuses(&config.codex_home, &servers)?;
            list(&servers, &auth, json);
            Ok(())
        }
        McpCommand::Login { name, scopes } => {
            let config = load_config(&codex_home, &shared.to_overrides())?;
            login(&config, &name, scopes)
        }
        McpCommand::Logout { name } => {
            let config = load_config(&codex_home, &shared.to_overrides())?;
            let server = oauth_server(&config, &name)?;
            if oauth::logout(&config.codex_home, &server)? {
                println!("Removed OAuth credentials for '{name}'.");
            } else {
                println!("No OAuth credentials stored for '{name}'.");
            }
            Ok(())
        }
        McpCommand::Get { name, json } => {
            let config = load_config(&codex_home, &shared.to_overrides())?;
            let (servers, _) = codex_plugins::effective_mcp_servers(&config);
            let server = servers.get(&name).with_context(|| {
                format!(
                    "no MCP server named '{name}' in {}",
                    config.config_file.display()
                )
            })?;
            get(&name, server, json);
            Ok(())
        }
    }
}

/// The names the reference's `mcp add` takes: any that `config.toml`
/// holds as a (quoted where needed) key of `[mcp_servers]`.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_:@/.".contains(c))
}

fn add(config_file: &std::path::Path, args: AddArgs) -> anyhow::Result<()> {
    if !valid_name(&args.name) {
        anyhow::bail!(
            "invalid server name '{}' (use letters, numbers, '-', '_', ':', '@', '/', '.')",
            args.name
        );
    }
    let mut env = BTreeMap::new();
    for pair in &args.env {
        let (key, val) = pair
            .split_once('=')
            .with_context(|| format!("--env {pair}: expected KEY=VALUE"))?;
        if key.is_empty() {
            anyhow::bail!("--env {pair}: the variable name is empty");
        }
        env.insert(key.to_string(), val.to_string());
    }
    let name = args.name.clone();
    codex_config::edit::edit_config_file(config_file, |doc| {
        let servers = codex_config::edit::table_mut(doc.as_table_mut(), "mcp_servers");
        let mut table = Table::new();
        match (&args.url, args.command.split_first()) {
            (Some(url), _) => {
                table.insert("url", value(url.as_str()));
                if let Some(var) = &args.bearer_token_env_var {
                    table.insert("bearer_token_env_var", value(var.as_str()));
                }
            }
            (None, Some((program, rest))) => {
                table.insert("command", value(program.as_str()));
                let mut list = Array::new();
                for arg in rest {
                    list.push(arg.as_str());
                }
                table.insert("args", value(list));
                if !env.is_empty() {
                    let mut env_table = Table::new();
                    for (key, val) in &env {
                        env_table.insert(key, value(val.as_str()));
                    }
                    table.insert("env", Item::Table(env_table));
                }
            }
            // clap requires one of them.
            (None, None) => {}
        }
        servers.insert(&args.name, Item::Table(table));
    })?;
    println!("Added global MCP server '{name}'.");
    Ok(())
}

fn remove(config_file: &std::path::Path, name: &str) -> anyhow::Result<()> {
    let mut removed = false;
    let exists = std::fs::read_to_string(config_file)
        .map(|text| text.contains("mcp_servers"))
        .unwrap_or(false);
    if exists {
        codex_config::edit::edit_config_file(config_file, |doc| {
            if let Some(servers) = doc.get_mut("mcp_servers").and_then(Item::as_table_like_mut) {
                removed = servers.remove(name).is_some();
            }
        })?;
    }
    if removed {
        println!("Removed global MCP server '{name}'.");
    } else {
        println!("No MCP server named '{name}' found.");
    }
    Ok(())
}

fn masked_env(env: &BTreeMap<String, String>) -> String {
    if env.is_empty() {
        return "-".to_string();
    }
    env.keys()
        .map(|k| format!("{k}=*****"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A server's transport as `mcp list/get --json` shows it (the reference's
/// fields, in its order).
#[derive(serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Transport<'a> {
    Stdio {
        command: &'a str,
        args: &'a [String],
        env: Option<&'a BTreeMap<String, String>>,
        env_vars: &'a [String],
        cwd: Option<&'a std::path::Path>,
    },
    StreamableHttp {
        url: &'a str,
        bearer_token_env_var: Option<&'a str>,
        http_headers: Option<&'a BTreeMap<String, String>>,
        env_http_headers: Option<&'a BTreeMap<String, String>>,
        http_headers_helper: Option<()>,
    },
}

fn transport_json(server: &McpServerConfig) -> Transport<'_> {
    match &server.transport {
        McpServerTransportConfig::Stdio {
            command,
            args,
            env,
            env_vars,
            cwd,
        } => Transport::Stdio {
            command,
            args,
            env: (!env.is_empty()).then_some(env),
            env_vars,
            cwd: cwd.as_deref(),
        },
        McpServerTransportConfig::StreamableHttp {
            url,
            bearer_token_env_var,
            http_headers,
            env_http_headers,
        } => Transport::StreamableHttp {
            url,
            bearer_token_env_var: bearer_token_env_var.as_deref(),
            http_headers: (!http_headers.is_empty()).then_some(http_headers),
            env_http_headers: (!env_http_headers.is_empty()).then_some(env_http_headers),
            http_headers_helper: None,
        },
    }
}

/// How each server signs in, as `mcp list` shows it (JSON value, column
/// text): `unsupported` (stdio, or HTTP without OAuth), `bearer_token`,
/// `o_auth` (signed in with `codex mcp login`) or `not_logged_in` (an HTTP
/// server that offers OAuth).
type AuthStatus = (&'static str, &'static str);

fn auth_statuses(
    codex_home: &std::path::Path,
    servers: &BTreeMap<String, McpServerConfig>,
) -> anyhow::Result<BTreeMap<String, AuthStatus>> {
    const UNSUPPORTED: AuthStatus = ("unsupported", "Unsupported");
    let mut statuses = BTreeMap::new();
    let mut to_probe = Vec::new();
    for (name, server) in servers {
        let status = match &server.transport {
            McpServerTransportConfig::Stdio { .. } => UNSUPPORTED,
            McpServerTransportConfig::StreamableHttp {
                bearer_token_env_var: Some(_),
                ..
            } => ("bearer_token", "Bearer token"),
            McpServerTransportConfig::StreamableHttp {
                url, http_headers, ..
            } => {
                let target = oauth::OAuthServer {
                    name: name.clone(),
                    url: url.clone(),
                    headers: http_headers.clone(),
                };
                if oauth::is_logged_in(codex_home, &target)? {
                    ("o_auth", "OAuth")
                } else {
                    to_probe.push((name.clone(), url.clone()));
                    UNSUPPORTED
                }
            }
        };
        statuses.insert(name.clone(), status);
    }
    if !to_probe.is_empty() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let found = runtime.block_on(futures::future::join_all(to_probe.into_iter().map(
            |(name, url)| async move { (name, oauth::offers_oauth(&url, PROBE_TIMEOUT).await) },
        )));
        for (name, offers) in found {
            if offers {
                statuses.insert(name, ("not_logged_in", "Not logged in"));
            }
        }
    }
    Ok(statuses)
}

/// `name` as a server `codex mcp login` can sign in to.
fn oauth_server(config: &codex_config::Config, name: &str) -> anyhow::Result<oauth::OAuthServer> {
    let (servers, _) = codex_plugins::effective_mcp_servers(config);
    let server = servers.get(name).with_context(|| {
        format!(
            "no MCP server named '{name}' in {}",
            config.config_file.display()
        )
    })?;
    match &server.transport {
        McpServerTransportConfig::StreamableHttp {
            url, http_headers, ..
        } => Ok(oauth::OAuthServer {
            name: name.to_string(),
            url: url.clone(),
            headers: http_headers.clone(),
        }),
        McpServerTransportConfig::Stdio { .. } => anyhow::bail!(
            "'{name}' is a stdio server; OAuth sign-in is for streamable HTTP servers (`url = ...`)"
        ),
    }
}

fn login(config: &codex_config::Config, name: &str, scopes: Vec<String>) -> anyhow::Result<()> {
    if config.mcp_oauth_credentials_store == McpOAuthCredentialsStore::Keyring {
        anyhow::bail!(
            "mcp_oauth_credentials_store = \"keyring\" in {}: this version keeps MCP tokens only in {} (0600, hidden from the model's commands); set it to \"file\" or \"auto\"",
            config.config_file.display(),
            oauth::store::credentials_file(&config.codex_home).display()
        );
    }
    let server = oauth_server(config, name)?;
    let options = oauth::LoginOptions {
        codex_home: config.codex_home.clone(),
        server,
        scopes,
        callback_port: config.mcp_oauth_callback_port,
        callback_url: config.mcp_oauth_callback_url.clone(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let pending = oauth::start_login(options).await?;
        let opened = crate::login::open_browser(&pending.authorization_url);
        println!(
            "{} `{name}` by opening this URL in your browser:\n{}",
            if opened { "Authorize" } else { "Sign in to" },
            pending.authorization_url
        );
        pending.finish(LOGIN_TIMEOUT).await
    })?;
    println!("Successfully logged in to MCP server '{name}'.");
    Ok(())
}

/// One server for `mcp list --json`, in the reference's field order.
#[derive(serde::Serialize)]
struct ListEntry<'a> {
    name: &'a str,
    enabled: bool,
    disabled_reason: Option<()>,
    transport: Transport<'a>,
    startup_timeout_sec: Value,
    tool_timeout_sec: Value,
    auth_status: &'static str,
}

/// One server for `mcp get --json`.
#[derive(serde::Serialize)]
struct GetEntry<'a> {
    name: &'a str,
    enabled: bool,
    disabled_reason: Option<()>,
    transport: Transport<'a>,
    enabled_tools: Option<&'a [String]>,
    disabled_tools: Option<&'a [String]>,
    startup_timeout_sec: Value,
    tool_timeout_sec: Value,
}

fn secs(d: Option<std::time::Duration>) -> Value {
    d.map_or(Value::Null, |d| json!(d.as_secs_f64()))
}

fn print_table(rows: &[Vec<String>]) {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        // Every column padded, the last too, as the reference prints it.
        println!("{}", line.join("  "));
    }
}

fn list(
    servers: &BTreeMap<String, McpServerConfig>,
    auth: &BTreeMap<String, AuthStatus>,
    as_json: bool,
) {
    let auth_of = |name: &str| {
        auth.get(name)
            .copied()
            .unwrap_or(("unsupported", "Unsupported"))
    };
    if as_json {
        let entries: Vec<ListEntry> = servers
            .iter()
            .map(|(name, server)| ListEntry {
                name,
                enabled: server.enabled,
                disabled_reason: None,
                transport: transport_json(server),
                startup_timeout_sec: secs(server.startup_timeout),
                tool_timeout_sec: secs(server.tool_timeout),
                auth_status: auth_of(name).0,
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&entries).unwrap_or_default()
        );
        return;
    }
    if servers.is_empty() {
        println!("No MCP servers configured yet. Try `codex mcp add my-tool -- my-command`.");
        return;
    }
    let status = |s: &McpServerConfig| if s.enabled { "enabled" } else { "disabled" }.to_string();
    let mut stdio = vec![vec![
        "Name".to_string(),
        "Command".to_string(),
        "Args".to_string(),
        "Env".to_string(),
        "Cwd".to_string(),
        "Status".to_string(),
        "Auth".to_string(),
    ]];
    let mut http = vec![vec![
        "Name".to_string(),
        "Url".to_string(),
        "Bearer Token Env Var".to_string(),
        "Status".to_string(),
        "Auth".to_string(),
    ]];
    for (name, server) in servers {
        match &server.transport {
            McpServerTransportConfig::Stdio {
                command,
                args,
                env,
                cwd,
                ..
            } => stdio.push(vec![
                name.clone(),
                command.clone(),
                if args.is_empty() {
                    "-".to_string()
                } else {
                    args.join(" ")
                },
                masked_env(env),
                cwd.as_ref()
                    .map_or("-".to_string(), |c| c.display().to_string()),
                status(server),
                auth_of(name).1.to_string(),
            ]),
            McpServerTransportConfig::StreamableHttp {
                url,
                bearer_token_env_var,
                ..
            } => http.push(vec![
                name.clone(),
                url.clone(),
                bearer_token_env_var
                    .clone()
                    .unwrap_or_else(|| "-".to_string()),
                status(server),
                auth_of(name).1.to_string(),
            ]),
        }
    }
    if stdio.len() > 1 {
        print_table(&stdio);
    }
    if http.len() > 1 {
        if stdio.len() > 1 {
            println!();
        }
        print_table(&http);
    }
}

fn get(name: &str, server: &McpServerConfig, as_json: bool) {
    if as_json {
        let entry = GetEntry {
            name,
            enabled: server.enabled,
            disabled_reason: None,
            transport: transport_json(server),
            enabled_tools: server.enabled_tools.as_deref(),
            disabled_tools: (!server.disabled_tools.is_empty())
                .then_some(server.disabled_tools.as_slice()),
            startup_timeout_sec: secs(server.startup_timeout),
            tool_timeout_sec: secs(server.tool_timeout),
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&entry).unwrap_or_default()
        );
        return;
    }
    println!("{name}");
    println!("  enabled: {}", server.enabled);
    match &server.transport {
        McpServerTransportConfig::Stdio {
            command,
            args,
            env,
            cwd,
            ..
        } => {
            println!("  transport: stdio");
            println!("  command: {command}");
            println!(
                "  args: {}",
                if args.is_empty() {
                    "-".to_string()
                } else {
                    args.join(" ")
                }
            );
            println!(
                "  cwd: {}",
                cwd.as_ref()
                    .map_or("-".to_string(), |c| c.display().to_string())
            );
            println!("  env: {}", masked_env(env));
        }
        McpServerTransportConfig::StreamableHttp {
            url,
            bearer_token_env_var,
            http_headers,
            env_http_headers,
        } => {
            println!("  transport: streamable_http");
            println!("  url: {url}");
            println!(
                "  bearer_token_env_var: {}",
                bearer_token_env_var.as_deref().unwrap_or("-")
            );
            let pairs = |map: &BTreeMap<String, String>| {
                if map.is_empty() {
                    "-".to_string()
                } else {
                    map.iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            };
            // Header values can be keys: masked like `env`.
            println!("  http_headers: {}", masked_env(http_headers));
            println!("  env_http_headers: {}", pairs(env_http_headers));
            println!("  http_headers_helper: -");
        }
    }
    println!("  remove: codex mcp remove {name}");
}
