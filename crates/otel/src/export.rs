//! The three OTLP pipelines: exporter → batch worker (a tokio task) →
//! provider, and the wrapper that logs export failures once per kind.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::logs::{LogBatch, LogExporter, SdkLoggerProvider};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{SdkMeterProvider, Temporality};
use opentelemetry_sdk::runtime::Tokio;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};

use crate::settings::{Endpoint, OtelError, OtelSettings, Transport};

/// How long one export may take: a collector that hangs costs the batch
/// worker this much per batch, and nothing else.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(1);
/// How often the batch workers send what they have.
const BATCH_DELAY: Duration = Duration::from_millis(500);
/// How often metrics are read and sent.
const METRICS_INTERVAL: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub(crate) struct Pipelines {
    pub(crate) logs: Option<SdkLoggerProvider>,
    pub(crate) traces: Option<SdkTracerProvider>,
    pub(crate) metrics: Option<SdkMeterProvider>,
}

impl Pipelines {
    pub(crate) fn build(settings: &OtelSettings, http: reqwest::Client) -> Result<Self, OtelError> {
        let resource = Resource::builder()
            .with_service_name(settings.service_name.clone())
            .with_attributes([
                KeyValue::new("service.version", settings.service_version.clone()),
                KeyValue::new("env", settings.environment.clone()),
            ])
            .build();
        let failures = Arc::new(Failures::default());
        let parts = (&http, &resource, &failures);
        Ok(Self {
            logs: pipeline(&settings.logs, log_pipeline, parts)?,
            traces: pipeline(&settings.traces, trace_pipeline, parts)?,
            metrics: pipeline(&settings.metrics, metric_pipeline, parts)?,
        })
    }

    /// Flushes and stops every pipeline (blocking; the caller bounds it).
    pub(crate) fn shutdown(&self, timeout: Duration) {
        if let Some(logs) = &self.logs {
            let _ = logs.shutdown_with_timeout(timeout);
        }
        if let Some(traces) = &self.traces {
            let _ = traces.shutdown_with_timeout(timeout);
        }
        if let Some(metrics) = &self.metrics {
            let _ = metrics.shutdown_with_timeout(timeout);
        }
    }
}

/// How one signal's pipeline is built from its endpoint.
type Build<P> = fn(&Endpoint, &reqwest::Client, &Resource, &Arc<Failures>) -> Result<P, OtelError>;

/// The signal's pipeline, if it has an endpoint.
fn pipeline<P>(
    endpoint: &Option<Endpoint>,
    build: Build<P>,
    (http, resource, failures): (&reqwest::Client, &Resource, &Arc<Failures>),
) -> Result<Option<P>, OtelError> {
    endpoint
        .as_ref()
        .map(|endpoint| build(endpoint, http, resource, failures))
        .transpose()
}

fn log_pipeline(
    endpoint: &Endpoint,
    http: &reqwest::Client,
    resource: &Resource,
    failures: &Arc<Failures>,
) -> Result<SdkLoggerProvider, OtelError> {
    use opentelemetry_sdk::logs::log_processor_with_async_runtime::BatchLogProcessor;
    let exporter = Reporting::new(log_exporter(endpoint, http)?, "logs", failures);
    let config = opentelemetry_sdk::logs::BatchConfigBuilder::default()
        .with_scheduled_delay(BATCH_DELAY)
        .with_max_export_timeout(EXPORT_TIMEOUT)
        .build();
    let processor = BatchLogProcessor::builder(exporter, Tokio)
        .with_batch_config(config)
        .build();
    Ok(SdkLoggerProvider::builder()
        .with_log_processor(processor)
        .with_resource(resource.clone())
        .build())
}

fn trace_pipeline(
    endpoint: &Endpoint,
    http: &reqwest::Client,
    resource: &Resource,
    failures: &Arc<Failures>,
) -> Result<SdkTracerProvider, OtelError> {
    use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;
    let exporter = Reporting::new(span_exporter(endpoint, http)?, "traces", failures);
    let config = opentelemetry_sdk::trace::BatchConfigBuilder::default()
        .with_scheduled_delay(BATCH_DELAY)
        .with_max_export_timeout(EXPORT_TIMEOUT)
        .build();
    let processor = BatchSpanProcessor::builder(exporter, Tokio)
        .with_batch_config(config)
        .build();
    Ok(SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_resource(resource.clone())
        .build())
}

fn metric_pipeline(
    endpoint: &Endpoint,
    http: &reqwest::Client,
    resource: &Resource,
    failures: &Arc<Failures>,
) -> Result<SdkMeterProvider, OtelError> {
    use opentelemetry_sdk::metrics::periodic_reader_with_async_runtime::PeriodicReader;
    let exporter = Reporting::new(metric_exporter(endpoint, http)?, "metrics", failures);
    let reader = PeriodicReader::builder(exporter, Tokio)
        .with_interval(METRICS_INTERVAL)
        .with_timeout(EXPORT_TIMEOUT)
        .build();
    Ok(SdkMeterProvider::builder()
        .with_reader(reader)
        .with_resource(resource.clone())
        .build())
}

fn invalid(key: &'static str, err: impl std::fmt::Display) -> OtelError {
    OtelError::Invalid {
        key,
        message: err.to_string(),
    }
}

fn http_protocol(transport: Transport) -> Protocol {
    match transport {
        Transport::HttpJson => Protocol::HttpJson,
        _ => Protocol::HttpBinary,
    }
}

/// The shared client, or one of the endpoint's own when it has TLS
/// settings. (The caller built `http` with codex's client constructor,
/// which installed rustls' ring provider that this builder needs.)
fn client_for(
    endpoint: &Endpoint,
    http: &reqwest::Client,
    key: &'static str,
) -> Result<reqwest::Client, OtelError> {
    let Some(tls) = &endpoint.tls else {
        return Ok(http.clone());
    };
    let mut builder = reqwest::Client::builder().connect_timeout(EXPORT_TIMEOUT);
    if let Some(ca) = &tls.ca_certificate {
        let certificates = reqwest::Certificate::from_pem_bundle(ca)
            .map_err(|err| invalid(key, format!("tls.ca-certificate: {err}")))?;
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    if let Some((certificate, private_key)) = &tls.client_identity {
        let pem = [certificate.as_slice(), b"\n", private_key.as_slice()].concat();
        let identity = reqwest::Identity::from_pem(&pem)
            .map_err(|err| invalid(key, format!("tls.client-certificate: {err}")))?;
        builder = builder.identity(identity);
    }
    builder
        .build()
        .map_err(|err| invalid(key, format!("tls: {err}")))
}

macro_rules! exporter_for {
    ($name:ident, $exporter:ty, $key:literal) => {
        fn $name(endpoint: &Endpoint, http: &reqwest::Client) -> Result<$exporter, OtelError> {
            match endpoint.transport {
                Transport::HttpBinary | Transport::HttpJson => <$exporter>::builder()
                    .with_http()
                    .with_endpoint(endpoint.url.clone())
                    .with_protocol(http_protocol(endpoint.transport))
                    .with_headers(endpoint.headers.clone())
                    .with_http_client(client_for(endpoint, http, $key)?)
                    // A failed batch is dropped, not retried: retries would
                    // hold the flush at exit for their whole backoff.
                    .with_retry_policy(opentelemetry_otlp::RetryPolicy::disabled())
                    .with_timeout(EXPORT_TIMEOUT)
                    .build()
                    .map_err(|err| invalid($key, err)),
                Transport::Grpc => grpc::build!($exporter, endpoint, $key),
            }
        }
    };
}

exporter_for!(log_exporter, opentelemetry_otlp::LogExporter, "exporter");
exporter_for!(
    span_exporter,
    opentelemetry_otlp::SpanExporter,
    "trace_exporter"
);
exporter_for!(
    metric_exporter,
    opentelemetry_otlp::MetricExporter,
    "metrics_exporter"
);

#[cfg(feature = "grpc")]
mod grpc {
    use crate::settings::{Endpoint, OtelError};

    /// The endpoint's headers as gRPC metadata.
    pub(crate) fn metadata(
        endpoint: &Endpoint,
        key: &'static str,
    ) -> Result<opentelemetry_otlp::tonic_types::metadata::MetadataMap, OtelError> {
        let mut headers = http::HeaderMap::new();
        for (name, value) in &endpoint.headers {
            let name = http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|err| crate::export::invalid(key, format!("header `{name}`: {err}")))?;
            let value = http::HeaderValue::from_str(value)
                .map_err(|err| crate::export::invalid(key, format!("header `{name}`: {err}")))?;
            headers.insert(name, value);
        }
        Ok(opentelemetry_otlp::tonic_types::metadata::MetadataMap::from_headers(headers))
    }

    /// TLS for an `https://` endpoint: the system's roots, plus the
    /// endpoint's CA and client identity when set.
    pub(crate) fn tls(
        endpoint: &Endpoint,
    ) -> Option<opentelemetry_otlp::tonic_types::transport::ClientTlsConfig> {
        use opentelemetry_otlp::tonic_types::transport::{Certificate, ClientTlsConfig, Identity};
        if !endpoint.url.starts_with("https://") {
            return None;
        }
        let mut tls = ClientTlsConfig::new().with_native_roots();
        if let Some(material) = &endpoint.tls {
            if let Some(ca) = &material.ca_certificate {
                tls = tls.ca_certificate(Certificate::from_pem(ca));
            }
            if let Some((certificate, private_key)) = &material.client_identity {
                tls = tls.identity(Identity::from_pem(certificate, private_key));
            }
        }
        Some(tls)
    }

    macro_rules! build {
        ($exporter:ty, $endpoint:expr, $key:literal) => {{
            use opentelemetry_otlp::WithTonicConfig;
            let mut builder = <$exporter>::builder()
                .with_tonic()
                .with_endpoint($endpoint.url.clone())
                .with_metadata(crate::export::grpc::metadata($endpoint, $key)?)
                .with_timeout(crate::export::EXPORT_TIMEOUT)
                .with_retry_policy(opentelemetry_otlp::RetryPolicy::disabled());
            if let Some(tls) = crate::export::grpc::tls($endpoint) {
                builder = builder.with_tls_config(tls);
            }
            builder
                .build()
                .map_err(|err| crate::export::invalid($key, err))
        }};
    }
    pub(crate) use build;
}

#[cfg(not(feature = "grpc"))]
mod grpc {
    macro_rules! build {
        ($exporter:ty, $endpoint:expr, $key:literal) => {{
            let _ = $endpoint;
            Err(crate::export::invalid(
                $key,
                "this build of codex has no OTLP/gRPC exporter (cargo feature `otel-grpc`); use `{ otlp-http = { endpoint = \"…/v1/…\" } }`",
            ))
        }};
    }
    pub(crate) use build;
}

/// Export failures already logged, by signal and kind.
#[derive(Default, Debug)]
struct Failures(Mutex<HashSet<String>>);

impl Failures {
    fn note(&self, signal: &str, err: &OTelSdkError) {
        let kind = match err {
            OTelSdkError::AlreadyShutdown => "already shut down".to_string(),
            OTelSdkError::Timeout(_) => "timed out".to_string(),
            // The message's first words say what failed (connect, status…).
            OTelSdkError::InternalFailure(message) => {
                message.split(':').next().unwrap_or_default().to_string()
            }
        };
        let first = self
            .0
            .lock()
            .map(|mut seen| seen.insert(format!("{signal}: {kind}")))
            .unwrap_or(false);
        if first {
            tracing::warn!(signal, %err, "telemetry export failed (reported once per kind)");
        }
    }
}

/// An exporter that reports its failures through [`Failures`].
#[derive(Debug)]
struct Reporting<E> {
    inner: E,
    signal: &'static str,
    failures: Arc<Failures>,
}

impl<E> Reporting<E> {
    fn new(inner: E, signal: &'static str, failures: &Arc<Failures>) -> Self {
        Self {
            inner,
            signal,
            failures: Arc::clone(failures),
        }
    }

    fn seen(&self, result: OTelSdkResult) -> OTelSdkResult {
        if let Err(err) = &result {
            self.failures.note(self.signal, err);
        }
        result
    }
}

impl<E: LogExporter> LogExporter for Reporting<E> {
    async fn export(&self, batch: LogBatch<'_>) -> OTelSdkResult {
        let result = self.inner.export(batch).await;
        self.seen(result)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

impl<E: SpanExporter> SpanExporter for Reporting<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let result = self.inner.export(batch).await;
        self.seen(result)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

impl<E: PushMetricExporter> PushMetricExporter for Reporting<E> {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        let result = self.inner.export(metrics).await;
        self.seen(result)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn temporality(&self) -> Temporality {
        self.inner.temporality()
    }
}
