//! The agent side of the connection: one handler per ACP method, each on
//! the thread manager and the Op/Event seam.
//!
//! Handlers run inside the SDK's dispatch loop, so nothing here waits for
//! a turn: `session/prompt` registers its turn and answers from a task when
//! the session's pump sees the turn end.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use agent_client_protocol::schema::ProtocolVersion;
use agent_client_protocol::v1::ConnectionTo;
use agent_client_protocol::v1::schema::{
    AgentCapabilities, AuthMethod, AuthMethodAgent, AuthMethodTerminal, AuthenticateRequest,
    AuthenticateResponse, CancelNotification, ClientCapabilities, ContentBlock, Implementation,
    InitializeRequest, InitializeResponse, LoadSessionRequest, LoadSessionResponse,
    McpCapabilities, McpServer, NewSessionRequest, NewSessionResponse, PromptCapabilities,
    PromptRequest, SessionCapabilities, SessionConfigOption, SetSessionConfigOptionRequest,
    SetSessionConfigOptionResponse, SetSessionModeRequest, SetSessionModeResponse,
};
use agent_client_protocol::{Client, Error};
use codex_config::mcp::{McpServerConfig, McpServerTransportConfig};
use codex_config::{CliOverrides, Config, load_config};
use codex_core::{ThreadManager, ThreadRef};
use codex_protocol::protocol::Op;

use crate::modes::{MODEL_OPTION, Preset, mode_state, model_option};
use crate::session::{LiveSession, PromptEnd, lock, notify};
use crate::updates::ItemView;

pub(crate) const API_KEY_METHOD: &str = "openai-api-key";
pub(crate) const CHATGPT_METHOD: &str = "chatgpt";
pub(crate) const LOGIN_METHOD: &str = "codex-login";

/// ACP's "resource not found" (a session, a file).
const RESOURCE_NOT_FOUND: i32 = -32002;

pub(crate) struct CodexAgent {
    manager: Arc<ThreadManager>,
    codex_home: PathBuf,
    overrides: Mutex<CliOverrides>,
    sessions: Mutex<HashMap<String, Arc<LiveSession>>>,
    client_capabilities: Mutex<ClientCapabilities>,
}

fn invalid_params(message: impl Into<String>) -> Error {
    let mut error = Error::invalid_params();
    error.message = message.into();
    error
}

fn internal(message: impl Into<String>) -> Error {
    let mut error = Error::internal_error();
    error.message = message.into();
    error
}

impl CodexAgent {
    pub(crate) fn new(
        manager: Arc<ThreadManager>,
        codex_home: PathBuf,
        overrides: CliOverrides,
    ) -> Self {
        Self {
            manager,
            codex_home,
            overrides: Mutex::new(overrides),
            sessions: Mutex::new(HashMap::new()),
            client_capabilities: Mutex::new(ClientCapabilities::default()),
        }
    }

    /// The slash commands of a session in `cwd`.
    pub(crate) fn commands(&self, cwd: &std::path::Path) -> Vec<(String, String)> {
        let overrides = lock(&self.overrides).clone();
        crate::commands::skill_commands(&self.codex_home, &overrides, cwd)
    }

    pub(crate) fn live_sessions(&self) -> Vec<Arc<LiveSession>> {
        lock(&self.sessions).values().cloned().collect()
    }

    fn session(&self, id: &str) -> Result<Arc<LiveSession>, Error> {
        lock(&self.sessions).get(id).cloned().ok_or_else(|| {
            Error::new(RESOURCE_NOT_FOUND, format!("no open session {id}"))
                .data(serde_json::json!({"sessionId": id}))
        })
    }

    pub(crate) fn initialize(&self, request: InitializeRequest) -> InitializeResponse {
        *lock(&self.client_capabilities) = request.client_capabilities;
        // We speak v1; a client asking for another version gets ours and
        // decides whether to go on.
        let version = ProtocolVersion::V1;
        let capabilities = AgentCapabilities::new()
            .load_session(true)
            .prompt_capabilities(PromptCapabilities::new().image(true).embedded_context(true))
            .mcp_capabilities(McpCapabilities::new().http(true))
            .session_capabilities(SessionCapabilities::new());
        InitializeResponse::new(version)
            .agent_capabilities(capabilities)
            .auth_methods(auth_methods())
            .agent_info(
                Implementation::new("codex", env!("CARGO_PKG_VERSION")).title("Codex".to_string()),
            )
    }

    /// Checks that the chosen way of signing in has what it needs.
    pub(crate) fn authenticate(
        &self,
        request: AuthenticateRequest,
    ) -> Result<AuthenticateResponse, Error> {
        let stored = codex_client::auth::read_auth(&self.codex_home)
            .map_err(|err| internal(format!("cannot read auth.json: {err}")))?;
        let env_key = ["CODEX_API_KEY", "OPENAI_API_KEY"]
            .iter()
            .any(|var| std::env::var(var).is_ok_and(|v| !v.trim().is_empty()));
        let stored_key = stored.as_ref().is_some_and(|a| a.openai_api_key.is_some());
        let tokens = stored.as_ref().is_some_and(|a| a.has_chatgpt_tokens());
        match &*request.method_id.0 {
            API_KEY_METHOD if env_key || stored_key => {
                // The person chose the key over a ChatGPT sign-in.
                lock(&self.overrides)
                    .raw_overrides
                    .push("preferred_auth_method=\"apikey\"".into());
                Ok(AuthenticateResponse::new())
            }
            API_KEY_METHOD => Err(auth_required(
                "no API key: set OPENAI_API_KEY in the editor's environment for codex, or store one with `codex login --with-api-key`",
            )),
            CHATGPT_METHOD | LOGIN_METHOD if tokens => Ok(AuthenticateResponse::new()),
            LOGIN_METHOD if env_key || stored_key => Ok(AuthenticateResponse::new()),
            CHATGPT_METHOD | LOGIN_METHOD => Err(auth_required(
                "no ChatGPT sign-in is stored: run `codex login` in a terminal",
            )),
            other => Err(invalid_params(format!(
                "no auth method {other:?}; codex offers {API_KEY_METHOD}, {CHATGPT_METHOD} and {LOGIN_METHOD}"
            ))),
        }
    }

    /// Our configuration for a session in `cwd`, with the client's MCP
    /// servers joined to ours (the client's win a name both use).
    fn config_for(&self, cwd: &std::path::Path, servers: &[McpServer]) -> Result<Config, Error> {
        if !cwd.is_absolute() {
            return Err(invalid_params(format!(
                "cwd must be an absolute path, not {}",
                cwd.display()
            )));
        }
        if !cwd.is_dir() {
            return Err(invalid_params(format!(
                "cwd {} is not a directory",
                cwd.display()
            )));
        }
        let mut overrides = lock(&self.overrides).clone();
        overrides.cwd = Some(cwd.to_path_buf());
        let mut config = load_config(&self.codex_home, &overrides)
            .map_err(|err| internal(format!("configuration: {err}")))?;
        for server in servers {
            let (name, transport) = match server {
                McpServer::Stdio(stdio) => (
                    stdio.name.clone(),
                    McpServerTransportConfig::Stdio {
                        command: stdio.command.to_string_lossy().into_owned(),
                        args: stdio.args.clone(),
                        env: stdio
                            .env
                            .iter()
                            .map(|v| (v.name.clone(), v.value.clone()))
                            .collect(),
                        env_vars: Vec::new(),
                        cwd: None,
                    },
                ),
                McpServer::Http(http) => (
                    http.name.clone(),
                    McpServerTransportConfig::StreamableHttp {
                        url: http.url.clone(),
                        bearer_token_env_var: None,
                        http_headers: http
                            .headers
                            .iter()
                            .map(|h| (h.name.clone(), h.value.clone()))
                            .collect(),
                        env_http_headers: BTreeMap::new(),
                    },
                ),
                McpServer::Sse(sse) => {
                    return Err(invalid_params(format!(
                        "MCP server {:?}: codex does not speak the SSE transport (mcpCapabilities.sse is false); use streamable HTTP",
                        sse.name
                    )));
                }
                _ => {
                    return Err(invalid_params(
                        "an MCP server of a kind codex does not know",
                    ));
                }
            };
            config.mcp_servers.insert(
                name,
                McpServerConfig {
                    transport,
                    enabled: true,
                    startup_timeout: None,
                    tool_timeout: None,
                    enabled_tools: None,
                    disabled_tools: Vec::new(),
                    default_tools_approval: None,
                    tool_approvals: BTreeMap::new(),
                    required: false,
                },
            );
        }
        check_auth(&config)?;
        Ok(config)
    }

    fn adopt(
        &self,
        new: codex_core::NewThread,
        cx: &ConnectionTo<Client>,
    ) -> (Arc<LiveSession>, Vec<SessionConfigOption>) {
        let configured = &new.session_configured;
        let id = new.thread_id.to_string();
        let mode = Preset::closest(&configured.sandbox_policy);
        let session = LiveSession::new(
            id.clone(),
            Arc::clone(&new.thread),
            configured.cwd.clone(),
            mode,
            configured.model.clone(),
        );
        lock(&self.sessions).insert(id, Arc::clone(&session));
        session.start_pump(cx.clone());
        let options = vec![model_option(&configured.model)];
        (session, options)
    }

    pub(crate) async fn new_session(
        &self,
        request: NewSessionRequest,
        cx: &ConnectionTo<Client>,
    ) -> Result<(NewSessionResponse, Arc<LiveSession>), Error> {
        let config = self.config_for(&request.cwd, &request.mcp_servers)?;
        let new = self
            .manager
            .start_thread(config, false)
            .await
            .map_err(|err| internal(format!("cannot start a session: {err}")))?;
        let (session, options) = self.adopt(new, cx);
        let mode = lock(&session.mode).id;
        let response = NewSessionResponse::new(session.id.clone())
            .modes(mode_state(mode))
            .config_options(options);
        Ok((response, session))
    }

    /// Resumes a recorded session and replays it as updates; the answer is
    /// sent after the last of them, as the protocol asks.
    pub(crate) async fn load_session(
        &self,
        request: LoadSessionRequest,
        cx: &ConnectionTo<Client>,
    ) -> Result<(LoadSessionResponse, Arc<LiveSession>), Error> {
        let id = request.session_id.0.to_string();
        if lock(&self.sessions).contains_key(&id) {
            return Err(invalid_params(format!("session {id} is already open")));
        }
        let config = self.config_for(&request.cwd, &request.mcp_servers)?;
        let new = self
            .manager
            .resume_thread(config, &ThreadRef::Id(id.clone()))
            .await
            .map_err(|err| {
                Error::new(
                    RESOURCE_NOT_FOUND,
                    format!("no recorded session {id}: {err}"),
                )
            })?;
        let history = new
            .session_configured
            .initial_messages
            .clone()
            .unwrap_or_default();
        let (session, options) = self.adopt(new, cx);
        let mut view = ItemView::replay();
        for event in &history {
            for update in view.updates(event) {
                notify(cx, &session.id, update);
            }
        }
        let mode = lock(&session.mode).id;
        let response = LoadSessionResponse::new()
            .modes(mode_state(mode))
            .config_options(options);
        Ok((response, session))
    }

    /// Claims the session for a prompt; what the receiver gets is how its
    /// turn ended. The turn itself starts in [`Self::start_turn`].
    pub(crate) fn begin_prompt(
        &self,
        request: &PromptRequest,
    ) -> Result<(Arc<LiveSession>, tokio::sync::oneshot::Receiver<PromptEnd>), Error> {
        let session = self.session(&request.session_id.0)?;
        let Some(ended) = session.begin_prompt() else {
            return Err(invalid_params(
                "a prompt is already running in this session; wait for it or send session/cancel",
            ));
        };
        Ok((session, ended))
    }

    /// Turns the prompt into input and starts its turn. Runs outside the
    /// dispatch loop: reading an editor buffer asks the client.
    pub(crate) async fn start_turn(
        &self,
        session: &LiveSession,
        mut blocks: Vec<ContentBlock>,
        cx: &ConnectionTo<Client>,
    ) -> Result<(), Error> {
        if let Some(ContentBlock::Text(first)) = blocks.first_mut()
            && let Some(text) = crate::commands::rewrite(&first.text, &lock(&session.commands))
        {
            first.text = text;
        }
        if lock(&self.client_capabilities).fs.read_text_file {
            crate::buffers::read_linked_buffers(&mut blocks, &session.id, cx).await;
        }
        let input = crate::prompt::user_input(blocks).map_err(invalid_params)?;
        session
            .codex
            .submit(Op::UserInput {
                items: input,
                final_output_json_schema: None,
            })
            .await
            .map_err(|err| internal(format!("the session stopped: {err}")))?;
        Ok(())
    }

    pub(crate) async fn cancel(&self, notification: CancelNotification) {
        if let Ok(session) = self.session(&notification.session_id.0)
            && session.prompt_running()
        {
            let _ = session.codex.submit(Op::Interrupt).await;
        }
    }

    pub(crate) async fn set_mode(
        &self,
        request: SetSessionModeRequest,
        cx: &ConnectionTo<Client>,
    ) -> Result<SetSessionModeResponse, Error> {
        let session = self.session(&request.session_id.0)?;
        let Some(preset) = Preset::find(&request.mode_id.0) else {
            return Err(invalid_params(format!(
                "no mode {:?}; the modes are read-only, auto and full-access",
                &*request.mode_id.0
            )));
        };
        session
            .codex
            .submit(Op::OverrideTurnContext {
                cwd: None,
                approval_policy: Some(preset.approval),
                sandbox_policy: Some(preset.sandbox_policy()),
                model: None,
                effort: None,
                summary: None,
            })
            .await
            .map_err(|err| internal(format!("the session stopped: {err}")))?;
        *lock(&session.mode) = preset;
        let _ = cx;
        Ok(SetSessionModeResponse::new())
    }

    pub(crate) async fn set_config_option(
        &self,
        request: SetSessionConfigOptionRequest,
    ) -> Result<SetSessionConfigOptionResponse, Error> {
        let session = self.session(&request.session_id.0)?;
        if &*request.config_id.0 != MODEL_OPTION {
            return Err(invalid_params(format!(
                "no config option {:?}; codex has {MODEL_OPTION:?}",
                &*request.config_id.0
            )));
        }
        let Some(model) = request.value.as_value_id() else {
            return Err(invalid_params("the model option takes a model's id"));
        };
        let model = model.0.to_string();
        session
            .codex
            .submit(Op::OverrideTurnContext {
                cwd: None,
                approval_policy: None,
                sandbox_policy: None,
                model: Some(model.clone()),
                effort: None,
                summary: None,
            })
            .await
            .map_err(|err| internal(format!("the session stopped: {err}")))?;
        *lock(&session.model) = model.clone();
        Ok(SetSessionConfigOptionResponse::new(vec![model_option(
            &model,
        )]))
    }
}

fn auth_required(message: &str) -> Error {
    let mut error = Error::auth_required();
    error.message = message.to_string();
    error
}

/// Refuses a session the model provider would refuse: no key and no
/// sign-in is `auth_required`, with what to do.
fn check_auth(config: &Config) -> Result<(), Error> {
    let env = |var: &str| std::env::var(var).ok();
    match codex_client::auth::resolve_auth(config, &env, "codex_acp") {
        Ok(_) => Ok(()),
        Err(err) => Err(auth_required(&format!(
            "{err} (ACP: authenticate with {API_KEY_METHOD} or {CHATGPT_METHOD})"
        ))),
    }
}

fn auth_methods() -> Vec<AuthMethod> {
    vec![
        AuthMethod::Agent(
            AuthMethodAgent::new(CHATGPT_METHOD, "ChatGPT sign-in").description(
                "Use the ChatGPT sign-in stored by `codex login` (in $CODEX_HOME/auth.json)"
                    .to_string(),
            ),
        ),
        AuthMethod::Agent(
            AuthMethodAgent::new(API_KEY_METHOD, "OpenAI API key").description(
                "Use OPENAI_API_KEY (or CODEX_API_KEY) from the environment, or the key stored by `codex login --with-api-key`"
                    .to_string(),
            ),
        ),
        AuthMethod::Terminal(
            AuthMethodTerminal::new(LOGIN_METHOD, "Sign in with ChatGPT in a terminal")
                .description("Runs `codex login`".to_string())
                .args(vec!["login".to_string()]),
        ),
    ]
}
