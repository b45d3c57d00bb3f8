//! What to export where, from the `[otel]` table of `config.toml`.
//!
//! `exporter` sends the log events, `trace_exporter` the spans and
//! `metrics_exporter` the metrics; each is `none` unless set, and an
//! endpoint is the full URL of its signal (`…/v1/logs`, `…/v1/traces`,
//! `…/v1/metrics` for OTLP/HTTP). Header values may name environment
//! variables as `${NAME}`, so tokens stay out of the file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use codex_config::schema::{OtelExporter, OtelHttpProtocol, OtelTls, OtelToml};

/// A configuration the exporters cannot be built from; the message names
/// the `[otel]` key and says what to change.
#[derive(Debug, thiserror::Error)]
pub enum OtelError {
    #[error("[otel] {key}: header `{header}` uses ${{{var}}}, which is not set in the environment")]
    MissingVariable {
        key: &'static str,
        header: String,
        var: String,
    },
    #[error("[otel] {key}: {message}")]
    Invalid { key: &'static str, message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    HttpBinary,
    HttpJson,
    Grpc,
}

/// One signal's destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    pub headers: HashMap<String, String>,
    pub transport: Transport,
    /// PEM contents, read with the settings (a missing file is a
    /// configuration error, not an export failure later).
    pub tls: Option<TlsMaterial>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsMaterial {
    pub ca_certificate: Option<Vec<u8>>,
    /// Certificate and private key, PEM.
    pub client_identity: Option<(Vec<u8>, Vec<u8>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtelSettings {
    /// `service.name`: the originator (`codex_exec`, `codex_cli_rs`, …).
    pub service_name: String,
    pub service_version: String,
    /// `[otel] environment`, default `dev`.
    pub environment: String,
    pub logs: Option<Endpoint>,
    pub traces: Option<Endpoint>,
    pub metrics: Option<Endpoint>,
    /// `[otel] log_user_prompt`: send prompt text (otherwise only its length).
    pub log_user_prompt: bool,
}

impl OtelSettings {
    /// Reads `[otel]`, expanding `${VAR}` in header values from `env` and
    /// reading TLS files (relative to `codex_home`).
    pub fn from_config(
        otel: &OtelToml,
        codex_home: &Path,
        service_name: &str,
        service_version: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, OtelError> {
        let endpoint = |key, exporter| endpoint(key, exporter, codex_home, &env);
        Ok(Self {
            service_name: service_name.to_string(),
            service_version: service_version.to_string(),
            environment: otel.environment.clone().unwrap_or_else(|| "dev".into()),
            logs: endpoint("exporter", otel.exporter.as_ref())?,
            traces: endpoint("trace_exporter", otel.trace_exporter.as_ref())?,
            metrics: endpoint("metrics_exporter", otel.metrics_exporter.as_ref())?,
            log_user_prompt: otel.log_user_prompt.unwrap_or(false),
        })
    }

    pub fn exports_anything(&self) -> bool {
        self.logs.is_some() || self.traces.is_some() || self.metrics.is_some()
    }
}

fn endpoint(
    key: &'static str,
    exporter: Option<&OtelExporter>,
    codex_home: &Path,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Option<Endpoint>, OtelError> {
    let (url, headers, transport, tls) = match exporter {
        None | Some(OtelExporter::None) => return Ok(None),
        Some(OtelExporter::Statsig) => {
            return Err(OtelError::Invalid {
                key,
                message: "`statsig` sends to OpenAI's own collector and is not supported; use `{ otlp-http = { endpoint = \"…\" } }` or `none`".into(),
            });
        }
        Some(OtelExporter::OtlpHttp {
            endpoint,
            headers,
            protocol,
            tls,
        }) => (
            endpoint,
            headers,
            match protocol {
                Some(OtelHttpProtocol::Json) => Transport::HttpJson,
                Some(OtelHttpProtocol::Binary) | None => Transport::HttpBinary,
            },
            tls,
        ),
        Some(OtelExporter::OtlpGrpc {
            endpoint,
            headers,
            tls,
        }) => (endpoint, headers, Transport::Grpc, tls),
    };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(OtelError::Invalid {
            key,
            message: format!("endpoint `{url}` is not an http:// or https:// URL"),
        });
    }
    let mut expanded = HashMap::with_capacity(headers.len());
    for (name, value) in headers {
        expanded.insert(name.clone(), expand(key, name, value, env)?);
    }
    let tls = match tls {
        Some(tls) => Some(tls_material(key, tls, codex_home)?),
        None => None,
    };
    if tls.is_some() && !url.starts_with("https://") {
        return Err(OtelError::Invalid {
            key,
            message: format!("`tls` is set but endpoint `{url}` is not https://"),
        });
    }
    Ok(Some(Endpoint {
        url: url.clone(),
        headers: expanded,
        transport,
        tls,
    }))
}

fn tls_material(
    key: &'static str,
    tls: &OtelTls,
    codex_home: &Path,
) -> Result<TlsMaterial, OtelError> {
    let read = |field: &str, path: &PathBuf| {
        let path = codex_home.join(path);
        std::fs::read(&path).map_err(|err| OtelError::Invalid {
            key,
            message: format!("tls.{field}: cannot read {}: {err}", path.display()),
        })
    };
    let ca_certificate = match &tls.ca_certificate {
        Some(path) => Some(read("ca-certificate", path)?),
        None => None,
    };
    let client_identity = match (&tls.client_certificate, &tls.client_private_key) {
        (Some(cert), Some(private_key)) => Some((
            read("client-certificate", cert)?,
            read("client-private-key", private_key)?,
        )),
        (None, None) => None,
        _ => {
            return Err(OtelError::Invalid {
                key,
                message: "tls: set both `client-certificate` and `client-private-key`, or neither"
                    .into(),
            });
        }
    };
    Ok(TlsMaterial {
        ca_certificate,
        client_identity,
    })
}

/// Replaces each `${NAME}` in `value` with the variable's value.
fn expand(
    key: &'static str,
    header: &str,
    value: &str,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<String, OtelError> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(OtelError::Invalid {
                key,
                message: format!("header `{header}` has an unclosed `${{`"),
            });
        };
        let var = &after[..end];
        let Some(resolved) = env(var) else {
            return Err(OtelError::MissingVariable {
                key,
                header: header.to_string(),
                var: var.to_string(),
            });
        };
        out.push_str(&resolved);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn http(endpoint: &str, headers: &[(&str, &str)]) -> OtelExporter {
        OtelExporter::OtlpHttp {
            endpoint: endpoint.into(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            protocol: Some(OtelHttpProtocol::Json),
            tls: None,
        }
    }

    fn env(name: &str) -> Option<String> {
        (name == "OTLP_TOKEN").then(|| "s3cret".to_string())
    }

    #[test]
    fn none_by_default_and_endpoints_per_signal() {
        let off = OtelSettings::from_config(
            &OtelToml::default(),
            Path::new("/nonexistent"),
            "codex_exec",
            "0.1.0",
            env,
        )
        .unwrap();
        assert!(!off.exports_anything());
        assert_eq!(off.environment, "dev");
        let otel = OtelToml {
            exporter: Some(http(
                "http://127.0.0.1:4318/v1/logs",
                &[("authorization", "Bearer ${OTLP_TOKEN}")],
            )),
            trace_exporter: Some(OtelExporter::OtlpGrpc {
                endpoint: "http://127.0.0.1:4317".into(),
                headers: BTreeMap::new(),
                tls: None,
            }),
            environment: Some("ci".into()),
            ..OtelToml::default()
        };
        let on =
            OtelSettings::from_config(&otel, Path::new("/nonexistent"), "codex_exec", "0.1.0", env)
                .unwrap();
        let logs = on.logs.unwrap();
        assert_eq!(logs.transport, Transport::HttpJson);
        assert_eq!(logs.headers["authorization"], "Bearer s3cret");
        assert_eq!(on.traces.unwrap().transport, Transport::Grpc);
        assert!(on.metrics.is_none());
        assert_eq!(on.environment, "ci");
    }

    #[test]
    fn errors_name_the_key_and_the_fix() {
        let bad = |exporter| {
            OtelSettings::from_config(
                &OtelToml {
                    metrics_exporter: Some(exporter),
                    ..OtelToml::default()
                },
                Path::new("/nonexistent"),
                "codex_exec",
                "0.1.0",
                env,
            )
            .unwrap_err()
            .to_string()
        };
        assert_eq!(
            bad(http("http://h/v1/metrics", &[("x-key", "${NOPE}")])),
            "[otel] metrics_exporter: header `x-key` uses ${NOPE}, which is not set in the environment"
        );
        assert!(bad(http("localhost:4318", &[])).contains("is not an http:// or https:// URL"));
        assert!(bad(http("http://h", &[("x", "${OPEN")])).contains("unclosed"));
        assert!(bad(OtelExporter::Statsig).contains("not supported"));
        let with_tls = |endpoint: &str, tls: OtelTls| OtelExporter::OtlpHttp {
            endpoint: endpoint.into(),
            headers: BTreeMap::new(),
            protocol: None,
            tls: Some(tls),
        };
        assert_eq!(
            bad(with_tls(
                "https://h/v1/metrics",
                OtelTls {
                    ca_certificate: Some("ca.pem".into()),
                    ..OtelTls::default()
                }
            )),
            "[otel] metrics_exporter: tls.ca-certificate: cannot read /nonexistent/ca.pem: No such file or directory (os error 2)"
        );
        assert!(
            bad(with_tls(
                "https://h",
                OtelTls {
                    client_certificate: Some("c.pem".into()),
                    ..OtelTls::default()
                }
            ))
            .contains("set both")
        );
        assert!(bad(with_tls("http://h", OtelTls::default())).contains("is not https://"));
    }
}
