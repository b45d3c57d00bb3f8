//! The HTTP proxy, on hyper: `CONNECT host:port` opens a tunnel (how
//! clients reach `https://` URLs, and anything else over TCP), a request in
//! absolute form (`GET http://host/path`) is forwarded to its host on a
//! fresh upstream connection. A refused host gets `403 Forbidden` whose
//! body names the reason (the rule, or "not in the allowlist"); an allowed
//! host that cannot be reached gets `502 Bad Gateway`.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::Incoming;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::policy::Protocol;
use crate::server::Shared;
use crate::upstream::{self, Refusal};

type Body = BoxBody<Bytes, hyper::Error>;

/// The header that marks a refusal by the allowlist (the body says why).
pub const BLOCKED_HEADER: &str = "x-codex-network-blocked";

/// Serves one client connection (HTTP/1.1, keep-alive, upgrades for
/// `CONNECT`).
pub(crate) async fn serve_connection<S>(io: S, shared: Arc<Shared>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| {
        let shared = Arc::clone(&shared);
        async move { Ok::<_, Infallible>(handle(req, shared).await) }
    });
    let result = hyper::server::conn::http1::Builder::new()
        .preserve_header_case(true)
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades()
        .await;
    if let Err(err) = result {
        tracing::debug!(target: "codex_network_proxy", "http client connection ended: {err}");
    }
}

async fn handle(req: Request<Incoming>, shared: Arc<Shared>) -> Response<Body> {
    if req.method() == Method::CONNECT {
        tunnel(req, shared).await
    } else {
        forward(req, shared).await
    }
}

async fn tunnel(req: Request<Incoming>, shared: Arc<Shared>) -> Response<Body> {
    let Some(authority) = req.uri().authority().cloned() else {
        return text(StatusCode::BAD_REQUEST, "CONNECT needs host:port".into());
    };
    let host = authority.host().to_string();
    let port = authority.port_u16().unwrap_or(443);
    let mut upstream = match upstream::connect(
        &shared.policy,
        &shared.resolver,
        &host,
        port,
        Protocol::Https,
    )
    .await
    {
        Ok(stream) => stream,
        Err(refusal) => return refused(&shared, &host, Protocol::Https, refusal),
    };
    tokio::spawn(async move {
        match hyper::upgrade::on(req).await {
            Ok(upgraded) => {
                let mut client = TokioIo::new(upgraded);
                let _ = crate::relay(&mut client, &mut upstream).await;
            }
            Err(err) => {
                tracing::debug!(target: "codex_network_proxy", "CONNECT upgrade failed: {err}");
            }
        }
    });
    Response::new(empty())
}

/// Headers that belong to one hop (RFC 9110 §7.6.1) and the proxy's own
/// credentials, which never go upstream.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "proxy-connection",
    "keep-alive",
    "proxy-authorization",
    "proxy-authenticate",
    "te",
    "trailer",
    "upgrade",
];

async fn forward(mut req: Request<Incoming>, shared: Arc<Shared>) -> Response<Body> {
    let uri = req.uri().clone();
    let (Some("http"), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return text(
            StatusCode::BAD_REQUEST,
            "this is a proxy: send absolute http:// URLs, and CONNECT for https".into(),
        );
    };
    let host = authority.host().to_string();
    let port = authority.port_u16().unwrap_or(80);
    let stream = match upstream::connect(
        &shared.policy,
        &shared.resolver,
        &host,
        port,
        Protocol::Http,
    )
    .await
    {
        Ok(stream) => stream,
        Err(refusal) => return refused(&shared, &host, Protocol::Http, refusal),
    };
    let (mut sender, connection) = match hyper::client::conn::http1::Builder::new()
        .preserve_header_case(true)
        .handshake(TokioIo::new(stream))
        .await
    {
        Ok(pair) => pair,
        Err(err) => return text(StatusCode::BAD_GATEWAY, format!("upstream: {err}")),
    };
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            tracing::debug!(target: "codex_network_proxy", "upstream connection ended: {err}");
        }
    });

    let listed: Vec<HeaderName> = req
        .headers()
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    let headers = req.headers_mut();
    for name in listed {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(*name);
    }
    if !headers.contains_key(header::HOST)
        && let Ok(value) = HeaderValue::from_str(authority.as_str())
    {
        headers.insert(header::HOST, value);
    }
    let path = uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .parse()
        .unwrap_or_else(|_| hyper::Uri::from_static("/"));
    *req.uri_mut() = path;

    match sender.send_request(req).await {
        Ok(response) => response.map(BodyExt::boxed),
        Err(err) => text(StatusCode::BAD_GATEWAY, format!("upstream: {err}")),
    }
}

fn refused(shared: &Shared, host: &str, protocol: Protocol, refusal: Refusal) -> Response<Body> {
    match refusal {
        Refusal::Blocked(reason) => {
            shared.record_denial(host, protocol, &reason);
            let mut response = text(
                StatusCode::FORBIDDEN,
                format!("codex network proxy: access to \"{host}\" was blocked: {reason}\n"),
            );
            response
                .headers_mut()
                .insert(BLOCKED_HEADER, HeaderValue::from_static("1"));
            response
        }
        Refusal::Unreachable(reason) => text(
            StatusCode::BAD_GATEWAY,
            format!("codex network proxy: {reason}\n"),
        ),
    }
}

fn empty() -> Body {
    Full::new(Bytes::new())
        .map_err(|never: Infallible| match never {})
        .boxed()
}

fn text(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(
        Full::new(Bytes::from(body))
            .map_err(|never: Infallible| match never {})
            .boxed(),
    );
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
