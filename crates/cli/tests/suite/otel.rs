//! OpenTelemetry export from `codex exec` to a real OTLP receiver (the
//! official protobuf definitions, in Python) on loopback.

use std::time::{Duration, Instant};

use codex_test_support::{OtlpReceiver, Turn};
use serde_json::{Value, json};

use super::exec::{ExecEnv, stderr};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN: &str = "00f067aa0ba902b7";

fn otel_config(receiver: &OtlpReceiver, protocol: &str, log_user_prompt: bool) -> String {
    format!(
        r#"
[otel]
environment = "ci"
log_user_prompt = {log_user_prompt}
exporter = {{ otlp-http = {{ endpoint = "{logs}", protocol = "{protocol}", headers = {{ "x-otlp-token" = "Bearer ${{OTLP_TEST_TOKEN}}" }} }} }}
trace_exporter = {{ otlp-http = {{ endpoint = "{traces}", protocol = "{protocol}" }} }}
metrics_exporter = {{ otlp-http = {{ endpoint = "{metrics}", protocol = "{protocol}" }} }}
"#,
        logs = receiver.endpoint("logs"),
        traces = receiver.endpoint("traces"),
        metrics = receiver.endpoint("metrics"),
    )
}

/// A turn that runs one command, then answers.
fn one_tool_turn(env: &ExecEnv) {
    env.server.push_turn(Turn::new().function_call(
        "call_1",
        "shell",
        json!({"command": ["bash", "-c", "echo telemetry-check"]}),
    ));
    env.server
        .push_turn(Turn::new().text("done").usage(1200, 34));
}

fn run(env: &ExecEnv, prompt: &str) -> std::process::Output {
    let output = env
        .exec()
        .env("OTLP_TEST_TOKEN", "tok-123")
        .env("TRACEPARENT", format!("00-{TRACE_ID}-{PARENT_SPAN}-01"))
        .args(["-s", "danger-full-access", prompt])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    output
}

fn names(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["event.name"].as_str().unwrap_or_default())
        .collect()
}

/// Ids as the receiver writes them (hex).
fn hex_id(id: &Value) -> String {
    id.as_str().unwrap_or_default().to_string()
}

#[test]
fn events_spans_and_metrics_reach_the_collector_over_http_protobuf() {
    let receiver = OtlpReceiver::start();
    let env = ExecEnv::new();
    env.home
        .append_config(&otel_config(&receiver, "binary", false));
    one_tool_turn(&env);
    run(&env, "check the telemetry with sk-abcdefghijklmnopqrstuvwx");

    // Exit flushed everything: the events are there, in order.
    let events = receiver.log_events();
    let names = names(&events);
    let first = |name: &str| {
        names
            .iter()
            .position(|n| *n == name)
            .unwrap_or_else(|| panic!("no {name} in {names:?}"))
    };
    assert_eq!(names[0], "codex.conversation_starts", "{names:?}");
    assert!(first("codex.user_prompt") < first("codex.api_request"));
    assert!(first("codex.api_request") < first("codex.sse_event"));
    assert!(first("codex.sse_event") < first("codex.tool_decision"));
    assert!(first("codex.tool_decision") < first("codex.tool_result"));
    assert_eq!(
        names.iter().filter(|n| **n == "codex.api_request").count(),
        2
    );

    // Common attributes on every event.
    let session_id = events[0]["conversation.id"].as_str().unwrap().to_string();
    for event in &events {
        assert_eq!(event["conversation.id"], session_id.as_str());
        assert_eq!(event["env"], "ci");
        assert_eq!(event["model"], "gpt-5.1-codex");
        assert_eq!(event["_service.name"], "codex_exec");
        for key in ["app.version", "auth_mode", "terminal.type", "slug"] {
            assert!(event[key].is_string(), "{key} missing in {event}");
        }
    }

    // The prompt is redacted by default; its length is kept.
    let prompt = &events[first("codex.user_prompt")];
    assert_eq!(prompt["prompt"], "[REDACTED]");
    assert_eq!(
        prompt["prompt_length"],
        "check the telemetry with sk-abcdefghijklmnopqrstuvwx".len() as i64
    );
    let request = &events[first("codex.api_request")];
    assert_eq!(request["attempt"], 1);
    assert_eq!(request["http.response.status_code"], 200);
    let completed: Vec<&Value> = events
        .iter()
        .filter(|e| e["event.kind"] == "response.completed")
        .collect();
    assert_eq!(completed.len(), 2);
    assert!(completed[0]["duration_ms"].is_i64());
    // Token counts on the completion that reported them.
    assert_eq!(completed[1]["input_token_count"], 1200);
    assert_eq!(completed[1]["output_token_count"], 34);
    let decision = &events[first("codex.tool_decision")];
    assert_eq!(decision["tool_name"], "shell");
    assert_eq!(decision["call_id"], "call_1");
    assert_eq!(decision["decision"], "approved");
    assert_eq!(decision["source"], "config");
    let result = &events[first("codex.tool_result")];
    assert_eq!(result["call_id"], "call_1");
    assert_eq!(result["success"], true);
    assert!(
        result["output"]
            .as_str()
            .unwrap()
            .contains("telemetry-check")
    );
    assert!(
        result["arguments"]
            .as_str()
            .unwrap()
            .contains("echo telemetry-check")
    );

    // The header's ${VAR} was expanded.
    let logs = receiver.requests();
    let logs_request = logs.iter().find(|r| r["signal"] == "logs").unwrap();
    assert_eq!(logs_request["headers"]["x-otlp-token"], "Bearer tok-123");
    assert!(
        logs_request["content_type"]
            .as_str()
            .unwrap()
            .contains("protobuf")
    );

    // Spans: the turn is a child of TRACEPARENT; request and tool of the turn.
    let spans = receiver.spans();
    let span = |name: &str| {
        spans
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no span {name} in {spans:?}"))
    };
    let turn = span("codex.turn");
    assert_eq!(hex_id(&turn["traceId"]), TRACE_ID);
    assert_eq!(hex_id(&turn["parentSpanId"]), PARENT_SPAN);
    let turn_id = hex_id(&turn["spanId"]);
    for child in ["codex.model_request", "codex.tool_call"] {
        assert_eq!(hex_id(&span(child)["parentSpanId"]), turn_id, "{child}");
        assert_eq!(hex_id(&span(child)["traceId"]), TRACE_ID, "{child}");
    }
    assert_eq!(span("codex.tool_call")["attributes"]["tool.name"], "shell");
    // Events carry the turn's trace context.
    assert_eq!(hex_id(&result["_trace_id"]), TRACE_ID);

    let metrics = receiver.metric_names();
    for name in [
        "codex.tool.call",
        "codex.tool.call.duration_ms",
        "codex.api_request",
        "codex.api_request.duration_ms",
        "codex.turn.ttft.duration_ms",
        "codex.turn.token_usage",
    ] {
        assert!(
            metrics.iter().any(|m| m == name),
            "{name} not in {metrics:?}"
        );
    }
}

#[test]
fn json_protocol_and_the_prompt_when_asked_for_without_secrets() {
    let receiver = OtlpReceiver::start();
    let env = ExecEnv::new();
    env.home
        .append_config(&otel_config(&receiver, "json", true));
    one_tool_turn(&env);
    run(&env, "look at sk-abcdefghijklmnopqrstuvwx please");
    let events = receiver.log_events();
    let prompt = events
        .iter()
        .find(|e| e["event.name"] == "codex.user_prompt")
        .expect("a user_prompt event");
    assert_eq!(prompt["prompt"], "look at [REDACTED] please");
    let requests = receiver.requests();
    assert!(!requests.is_empty());
    assert!(requests.iter().all(|r| {
        r["content_type"]
            .as_str()
            .unwrap()
            .starts_with("application/json")
    }));
}

#[test]
fn no_exporter_means_no_connection() {
    let receiver = OtlpReceiver::start();
    let env = ExecEnv::new();
    env.home
        .append_config("\n[otel]\nexporter = \"none\"\nlog_user_prompt = true\n");
    one_tool_turn(&env);
    run(&env, "hello");
    assert!(receiver.requests().is_empty());
}

#[test]
fn a_collector_that_is_down_or_hangs_costs_the_turn_nothing_and_exit_a_bounded_wait() {
    // Bound: the exporters' 1 s timeout and the 1.5 s flush at exit; a
    // missing bound would hang here forever. The margin is for a slow
    // machine, not a measurement.
    const GENEROUS: Duration = Duration::from_secs(20);
    let hanging = OtlpReceiver::hanging();
    let down = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down_port = down.local_addr().unwrap().port();
    drop(down);
    for exporter in [
        format!(
            "otlp-http = {{ endpoint = \"{}\" }}",
            hanging.endpoint("logs")
        ),
        format!("otlp-http = {{ endpoint = \"http://127.0.0.1:{down_port}/v1/logs\" }}"),
        format!(
            "otlp-grpc = {{ endpoint = \"{}\" }}",
            hanging.grpc_endpoint()
        ),
        format!("otlp-grpc = {{ endpoint = \"http://127.0.0.1:{down_port}\" }}"),
    ] {
        let env = ExecEnv::new();
        env.home.append_config(&format!(
            "\n[otel]\nexporter = {{ {exporter} }}\ntrace_exporter = {{ {exporter} }}\n"
        ));
        one_tool_turn(&env);
        let started = Instant::now();
        let output = run(&env, "hello");
        assert!(
            started.elapsed() < GENEROUS,
            "exit took {:?}",
            started.elapsed()
        );
        // The turn ran to its end.
        assert!(super::exec::stdout(&output).contains("done"));
        assert_eq!(env.server.requests().len(), 2);
    }
}

#[test]
fn events_and_spans_reach_the_collector_over_grpc() {
    let receiver = OtlpReceiver::start();
    let env = ExecEnv::new();
    let grpc = receiver.grpc_endpoint();
    env.home.append_config(&format!(
        r#"
[otel]
exporter = {{ otlp-grpc = {{ endpoint = "{grpc}", headers = {{ "x-otlp-token" = "Bearer ${{OTLP_TEST_TOKEN}}" }} }} }}
trace_exporter = {{ otlp-grpc = {{ endpoint = "{grpc}" }} }}
metrics_exporter = {{ otlp-grpc = {{ endpoint = "{grpc}" }} }}
"#
    ));
    one_tool_turn(&env);
    run(&env, "hello over grpc");
    let events = receiver.log_events();
    let names = names(&events);
    assert_eq!(names[0], "codex.conversation_starts", "{names:?}");
    assert!(names.contains(&"codex.tool_result"), "{names:?}");
    let requests = receiver.requests();
    let logs = requests.iter().find(|r| r["signal"] == "logs").unwrap();
    assert_eq!(logs["content_type"], "application/grpc");
    assert_eq!(logs["headers"]["x-otlp-token"], "Bearer tok-123");
    let spans = receiver.spans();
    let turn = spans.iter().find(|s| s["name"] == "codex.turn").unwrap();
    assert_eq!(hex_id(&turn["parentSpanId"]), PARENT_SPAN);
    assert!(
        receiver
            .metric_names()
            .iter()
            .any(|m| m == "codex.tool.call")
    );
}

#[test]
fn tls_with_a_private_ca_and_a_client_certificate_over_http_and_grpc() {
    let env = ExecEnv::new();
    let certs = env.home.path().join("otel-certs");
    std::fs::create_dir(&certs).unwrap();
    let receiver = OtlpReceiver::with_tls(&certs);
    // Relative to CODEX_HOME.
    let tls = r#"tls = { ca-certificate = "otel-certs/ca.pem", client-certificate = "otel-certs/client.pem", client-private-key = "otel-certs/client.key" }"#;
    env.home.append_config(&format!(
        r#"
[otel]
exporter = {{ otlp-http = {{ endpoint = "https://127.0.0.1:{http}/v1/logs", {tls} }} }}
trace_exporter = {{ otlp-grpc = {{ endpoint = "https://127.0.0.1:{grpc}", {tls} }} }}
"#,
        http = receiver.port(),
        grpc = receiver.grpc_port(),
    ));
    one_tool_turn(&env);
    run(&env, "hello over tls");
    let events = receiver.log_events();
    assert!(
        names(&events).contains(&"codex.tool_result"),
        "{:?}",
        names(&events)
    );
    assert!(receiver.spans().iter().any(|s| s["name"] == "codex.turn"));
}

#[test]
fn a_bad_otel_setting_is_a_warning_that_names_the_key_and_the_run_goes_on() {
    let env = ExecEnv::new();
    env.home.append_config(
        "\n[otel]\nexporter = { otlp-http = { endpoint = \"http://127.0.0.1:9/v1/logs\", headers = { authorization = \"Bearer ${CODEX_TEST_UNSET_TOKEN}\" } } }\n",
    );
    env.server.push_turn(Turn::new().text("done"));
    let output = env
        .exec()
        .env_remove("CODEX_TEST_UNSET_TOKEN")
        .args(["-s", "danger-full-access", "hello"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let all = format!("{}{}", super::exec::stdout(&output), stderr(&output));
    assert!(
        all.contains("telemetry is off: [otel] exporter: header `authorization` uses ${CODEX_TEST_UNSET_TOKEN}, which is not set in the environment"),
        "{all}"
    );
}
