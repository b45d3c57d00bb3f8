//! A real OTLP receiver for the telemetry tests: `otel/receiver.py`, on the
//! official `opentelemetry-proto` definitions and `grpcio` (installed with
//! the test peers), serving OTLP/HTTP (protobuf and JSON) and OTLP/gRPC on
//! loopback ports.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

pub struct OtlpReceiver {
    child: Child,
    port: u16,
    grpc_port: u16,
    out: PathBuf,
    _dir: tempfile::TempDir,
}

impl OtlpReceiver {
    /// A receiver that answers every export.
    pub fn start() -> Self {
        Self::spawn(false, None)
    }

    /// A receiver that reads each export and never answers (a collector
    /// that hangs).
    pub fn hanging() -> Self {
        Self::spawn(true, None)
    }

    /// A receiver that speaks only TLS and requires a client certificate;
    /// it writes `ca.pem`, `client.pem` and `client.key` into `dir`.
    pub fn with_tls(dir: &std::path::Path) -> Self {
        Self::spawn(false, Some(dir))
    }

    fn spawn(hang: bool, tls: Option<&std::path::Path>) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let out = dir.path().join("received.jsonl");
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("otel/receiver.py");
        let mut command = Command::new(crate::peers::python());
        command.arg(&script).arg(&out);
        if hang {
            command.arg("--hang");
        }
        if let Some(tls) = tls {
            command.arg("--tls").arg(tls);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the OTLP receiver");
        let stdout = child.stdout.take().expect("the receiver's stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the receiver's port line");
        let ports: Vec<u16> = line
            .trim()
            .strip_prefix("port ")
            .map(|p| p.split(' ').filter_map(|p| p.parse().ok()).collect())
            .unwrap_or_default();
        let [port, grpc_port] = ports[..] else {
            panic!("the receiver said {line:?} instead of its ports");
        };
        Self {
            child,
            port,
            grpc_port,
            out,
            _dir: dir,
        }
    }

    /// `http://127.0.0.1:PORT/v1/{signal}`.
    pub fn endpoint(&self, signal: &str) -> String {
        format!("http://127.0.0.1:{}/v1/{signal}", self.port)
    }

    /// `http://127.0.0.1:PORT` of the OTLP/gRPC services.
    pub fn grpc_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.grpc_port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn grpc_port(&self) -> u16 {
        self.grpc_port
    }

    /// Every export received so far, in arrival order: `{signal,
    /// content_type, headers, body}` with `body` in the proto's JSON form.
    pub fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("a receiver line is JSON"))
            .collect()
    }

    /// Every `(resource, item)` of the `signal`'s exports, in order: the
    /// log records, spans or metrics under `resource{Logs,Spans,Metrics}` →
    /// `scope…` → `items`.
    fn items(&self, signal: &str, kind: &str, items: &str) -> Vec<(Value, Value)> {
        let mut out = Vec::new();
        for request in self.requests().iter().filter(|r| r["signal"] == signal) {
            let resources = request["body"][format!("resource{kind}")].as_array();
            for resource in resources.into_iter().flatten() {
                let scopes = resource[format!("scope{kind}")].as_array();
                for scope in scopes.into_iter().flatten() {
                    for item in scope[items].as_array().into_iter().flatten() {
                        out.push((resource.clone(), item.clone()));
                    }
                }
            }
        }
        out
    }

    /// The log records received, in order, each flattened to
    /// `{"event.name": …, attribute: value…, "_trace_id", "_span_id",
    /// "_service.name"}`.
    pub fn log_events(&self) -> Vec<Value> {
        self.items("logs", "Logs", "logRecords")
            .into_iter()
            .map(|(resource, record)| {
                let mut event = attributes(&record["attributes"]);
                event["_trace_id"] = record["traceId"].clone();
                event["_span_id"] = record["spanId"].clone();
                event["_service.name"] =
                    attributes(&resource["resource"]["attributes"])["service.name"].clone();
                event
            })
            .collect()
    }

    /// The spans received: `{name, traceId, spanId, parentSpanId, attributes}`.
    pub fn spans(&self) -> Vec<Value> {
        self.items("traces", "Spans", "spans")
            .into_iter()
            .map(|(_, mut span)| {
                span["attributes"] = attributes(&span["attributes"]);
                span
            })
            .collect()
    }

    /// The names of the metrics received.
    pub fn metric_names(&self) -> Vec<String> {
        self.items("metrics", "Metrics", "metrics")
            .into_iter()
            .filter_map(|(_, metric)| metric["name"].as_str().map(str::to_string))
            .collect()
    }
}

/// OTLP's `[{key, value: {stringValue|intValue|boolValue|…}}]` as an object.
fn attributes(list: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for attribute in list.as_array().into_iter().flatten() {
        let Some(key) = attribute["key"].as_str() else {
            continue;
        };
        let value = &attribute["value"];
        let plain = if let Some(s) = value.get("stringValue") {
            s.clone()
        } else if let Some(i) = value.get("intValue") {
            // int64 is a string in proto JSON.
            i.as_str()
                .and_then(|s| s.parse::<i64>().ok())
                .map_or(i.clone(), Value::from)
        } else if let Some(b) = value.get("boolValue") {
            b.clone()
        } else if let Some(d) = value.get("doubleValue") {
            d.clone()
        } else {
            value.clone()
        };
        out.insert(key.to_string(), plain);
    }
    Value::Object(out)
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
