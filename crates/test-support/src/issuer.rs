//! [`MockIssuer`]: a stand-in for the ChatGPT sign-in issuer on loopback.
//!
//! It serves what `codex login` and token refresh use — `/oauth/authorize`
//! (redirects to the callback with a code, remembering the PKCE challenge),
//! `/oauth/token` (authorization code with the verifier checked, or a
//! refresh token, rotated on use), the device-code endpoints (two "not
//! yet" polls before the grant, by default) and `/oauth/revoke` — and
//! issues JWTs signed (HS256) with a test key, carrying the claims the
//! real ones carry (`exp`, `email`, `https://api.openai.com/auth`).

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use crate::mock_server::read_request;

const TEST_KEY: &[u8] = b"codex-test-signing-key";
pub const TEST_EMAIL: &str = "dev@example.com";
pub const TEST_ACCOUNT: &str = "acct-test-0001";

/// A set of tokens as the issuer hands them out.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub id_token: String,
    pub access_token: String,
    pub refresh_token: String,
}

struct State {
    /// Lifetime of the access tokens issued from now on.
    access_lifetime: i64,
    /// Refreshes answer 401 with this code.
    refresh_failure: Option<String>,
    /// Each refresh waits this long first (to overlap two clients).
    refresh_delay: Duration,
    codes: HashMap<String, (String, String)>,
    valid_refresh_tokens: HashSet<String>,
    refreshes: usize,
    pending_polls: usize,
    polls: usize,
    revoked: Vec<String>,
    next: u64,
}

/// The issuer stand-in. Dropping it stops it.
pub struct MockIssuer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MockIssuer {
    pub fn start() -> Self {
        let state = Arc::new(Mutex::new(State {
            access_lifetime: 3600,
            refresh_failure: None,
            refresh_delay: Duration::ZERO,
            codes: HashMap::new(),
            valid_refresh_tokens: HashSet::new(),
            refreshes: 0,
            pending_polls: 2,
            polls: 0,
            revoked: Vec::new(),
            next: 0,
        }));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        let thread_state = Arc::clone(&state);
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).ok();
                let accept = async {
                    loop {
                        let Ok((socket, _)) = listener.accept().await else {
                            continue;
                        };
                        let state = Arc::clone(&thread_state);
                        tokio::spawn(async move {
                            let _ = serve(socket, state).await;
                        });
                    }
                };
                tokio::select! {
                    _ = accept => {}
                    _ = shutdown_rx => {}
                }
            });
        });
        Self {
            addr: addr_rx.recv().unwrap(),
            state,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, the issuer URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Tokens whose access token expires `expires_in` seconds from now
    /// (negative: already expired); the refresh token is valid.
    pub fn issue(&self, expires_in: i64) -> IssuedTokens {
        issue(&mut self.state.lock().unwrap(), expires_in)
    }

    /// An `auth.json` in the reference's exact shape holding `tokens`.
    pub fn auth_json(tokens: &IssuedTokens) -> String {
        serde_json::to_string_pretty(&json!({
            "auth_mode": "chatgpt",
            "OPENAI_API_KEY": null,
            "tokens": {
                "id_token": tokens.id_token,
                "access_token": tokens.access_token,
                "refresh_token": tokens.refresh_token,
                "account_id": TEST_ACCOUNT,
            },
            "last_refresh": "2026-12-01T08:00:00.000000Z",
        }))
        .unwrap()
    }

    /// Access tokens issued from now on live this long.
    pub fn set_access_lifetime(&self, seconds: i64) {
        self.state.lock().unwrap().access_lifetime = seconds;
    }

    /// Refreshes fail with 401 and this error code.
    pub fn fail_refreshes_with(&self, code: &str) {
        self.state.lock().unwrap().refresh_failure = Some(code.to_string());
    }

    pub fn set_refresh_delay(&self, delay: Duration) {
        self.state.lock().unwrap().refresh_delay = delay;
    }

    /// How many refreshes succeeded.
    pub fn refreshes(&self) -> usize {
        self.state.lock().unwrap().refreshes
    }

    /// How many device-code polls arrived.
    pub fn polls(&self) -> usize {
        self.state.lock().unwrap().polls
    }

    /// Refresh tokens revoked so far.
    pub fn revoked(&self) -> Vec<String> {
        self.state.lock().unwrap().revoked.clone()
    }

    /// Whether `refresh_token` can still be used.
    pub fn is_valid_refresh_token(&self, refresh_token: &str) -> bool {
        self.state
            .lock()
            .unwrap()
            .valid_refresh_tokens
            .contains(refresh_token)
    }
}

impl Drop for MockIssuer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The claims of a token this issuer made (None if it is not one of its).
pub fn verified_claims(jwt: &str) -> Option<Value> {
    let (signed, signature) = jwt.rsplit_once('.')?;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, TEST_KEY);
    let signature = b64().decode(signature).ok()?;
    ring::hmac::verify(&key, signed.as_bytes(), &signature).ok()?;
    let payload = signed.split('.').nth(1)?;
    serde_json::from_slice(&b64().decode(payload).ok()?).ok()
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

fn jwt(claims: &Value) -> String {
    let signed = format!(
        "{}.{}",
        b64().encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64().encode(claims.to_string())
    );
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, TEST_KEY);
    let tag = ring::hmac::sign(&key, signed.as_bytes());
    format!("{signed}.{}", b64().encode(tag.as_ref()))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn issue(state: &mut State, expires_in: i64) -> IssuedTokens {
    state.next += 1;
    let n = state.next;
    let auth = json!({"chatgpt_plan_type": "plus", "chatgpt_account_id": TEST_ACCOUNT});
    let id_token = jwt(&json!({
        "iss": "mock-issuer", "exp": now() + 3600, "email": TEST_EMAIL,
        "https://api.openai.com/auth": auth,
    }));
    let access_token = jwt(&json!({
        "iss": "mock-issuer", "exp": now() + expires_in, "n": n,
        "client_id": "app_EMoamEEZ73f0CkXaXp7hrann",
    }));
    let refresh_token = format!("rt-{n}");
    state.valid_refresh_tokens.insert(refresh_token.clone());
    IssuedTokens {
        id_token,
        access_token,
        refresh_token,
    }
}

fn token_body(tokens: &IssuedTokens) -> String {
    json!({
        "id_token": tokens.id_token,
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
    })
    .to_string()
}

async fn serve(mut socket: TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let Some(request) = read_request(&mut socket).await? else {
        return Ok(());
    };
    let url = reqwest_free_parse(&request.path);
    let (status, headers, body) = match (request.method.as_str(), url.0.as_str()) {
        ("GET", "/oauth/authorize") => authorize(&state, &url.1),
        ("POST", "/oauth/token") => {
            let content_type = request.header("content-type").unwrap_or_default();
            if content_type.contains("x-www-form-urlencoded") {
                let form = parse_query(&String::from_utf8_lossy(&request.body));
                exchange(&state, &form)
            } else {
                let delay = state.lock().unwrap().refresh_delay;
                tokio::time::sleep(delay).await;
                refresh(&state, &request.body_json())
            }
        }
        ("POST", "/api/accounts/deviceauth/usercode") => (
            200,
            Vec::new(),
            json!({"device_auth_id": "dev-auth-1", "user_code": "ABCD-1234", "interval": "0"})
                .to_string(),
        ),
        ("POST", "/api/accounts/deviceauth/token") => {
            let mut s = state.lock().unwrap();
            s.polls += 1;
            if s.polls <= s.pending_polls {
                (
                    403,
                    Vec::new(),
                    json!({"error": "authorization_pending"}).to_string(),
                )
            } else {
                let verifier = "device-verifier-0123456789-0123456789-0123456789";
                let challenge = codex_challenge(verifier);
                let redirect = "/deviceauth/callback".to_string();
                s.codes
                    .insert("device-code".into(), (challenge.clone(), redirect));
                (
                    200,
                    Vec::new(),
                    json!({"authorization_code": "device-code", "code_challenge": challenge, "code_verifier": verifier}).to_string(),
                )
            }
        }
        ("POST", "/oauth/revoke") => {
            let body = request.body_json();
            let mut s = state.lock().unwrap();
            if let Some(token) = body["token"].as_str() {
                s.revoked.push(token.to_string());
                s.valid_refresh_tokens.remove(token);
            }
            (200, Vec::new(), "{}".to_string())
        }
        _ => (404, Vec::new(), r#"{"error":"not_found"}"#.to_string()),
    };
    let reason = match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        _ => "Not Found",
    };
    let extra: String = headers
        .iter()
        .map(|(n, v)| format!("{n}: {v}\r\n"))
        .collect();
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await?;
    socket.write_all(body.as_bytes()).await?;
    socket.shutdown().await
}

type Response = (u16, Vec<(String, String)>, String);

fn authorize(state: &Mutex<State>, query: &HashMap<String, String>) -> Response {
    let get = |k: &str| query.get(k).cloned().unwrap_or_default();
    if get("client_id") != "app_EMoamEEZ73f0CkXaXp7hrann"
        || get("code_challenge_method") != "S256"
        || get("response_type") != "code"
        || get("code_challenge").is_empty()
        || get("state").is_empty()
    {
        return (400, Vec::new(), r#"{"error":"invalid_request"}"#.into());
    }
    let code = format!("code-{}", get("state").len());
    let redirect = get("redirect_uri");
    state
        .lock()
        .unwrap()
        .codes
        .insert(code.clone(), (get("code_challenge"), redirect.clone()));
    let location = format!("{redirect}?code={code}&state={}", encode(&get("state")));
    (302, vec![("location".into(), location)], String::new())
}

fn exchange(state: &Mutex<State>, form: &HashMap<String, String>) -> Response {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let mut s = state.lock().unwrap();
    let Some((challenge, redirect)) = s.codes.remove(&get("code")) else {
        return (400, Vec::new(), r#"{"error":"invalid_grant"}"#.into());
    };
    let redirect_ok = redirect == get("redirect_uri") || get("redirect_uri").ends_with(&redirect);
    if get("grant_type") != "authorization_code"
        || codex_challenge(&get("code_verifier")) != challenge
        || !redirect_ok
    {
        return (400, Vec::new(), r#"{"error":"invalid_grant"}"#.into());
    }
    let lifetime = s.access_lifetime;
    let tokens = issue(&mut s, lifetime);
    (200, Vec::new(), token_body(&tokens))
}

fn refresh(state: &Mutex<State>, body: &Value) -> Response {
    let mut s = state.lock().unwrap();
    if body["grant_type"] != "refresh_token" || body["client_id"] != "app_EMoamEEZ73f0CkXaXp7hrann"
    {
        return (400, Vec::new(), r#"{"error":"invalid_request"}"#.into());
    }
    if let Some(code) = s.refresh_failure.clone() {
        return (
            401,
            Vec::new(),
            json!({"error": {"code": code}}).to_string(),
        );
    }
    let token = body["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // Rotation: a refresh token works once.
    if !s.valid_refresh_tokens.remove(&token) {
        return (
            401,
            Vec::new(),
            json!({"error": {"code": "refresh_token_reused"}}).to_string(),
        );
    }
    s.refreshes += 1;
    let lifetime = s.access_lifetime;
    let tokens = issue(&mut s, lifetime);
    (200, Vec::new(), token_body(&tokens))
}

fn codex_challenge(verifier: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    b64().encode(digest.as_ref())
}

fn reqwest_free_parse(target: &str) -> (String, HashMap<String, String>) {
    match target.split_once('?') {
        Some((path, query)) => (path.to_string(), parse_query(query)),
        None => (target.to_string(), HashMap::new()),
    }
}

fn parse_query(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A plain HTTP/1.1 GET, as a browser makes it (no redirects followed):
/// the status, the `Location` header, the body. `localhost` is dialed as
/// 127.0.0.1, where callback servers listen.
pub fn http_get(url: &str) -> (u16, Option<String>, String) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (host, target) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    let dial = host.replace("localhost", "127.0.0.1");
    let mut stream = std::net::TcpStream::connect(&dial).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let location = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or_else(|| l.strip_prefix("Location: "))
        })
        .map(str::to_string);
    (status, location, body.to_string())
}
