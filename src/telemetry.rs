//! Logging: human-readable text or JSON lines, filtered by `RUST_LOG`
//! (`--log-filter`); and, when `OTEL_EXPORTER_OTLP_ENDPOINT`
//! (`--otlp-endpoint`) is set, the same spans exported over OTLP/HTTP to a
//! collector.

use crate::config::{LogConfig, LogFormat};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// Keeps the OTLP exporter alive; dropping it flushes the last spans.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            let _ = provider.shutdown();
        }
    }
}

pub fn init(config: &LogConfig) -> Telemetry {
    // Checked when the command line was parsed (`parse_filter`).
    let filter = EnvFilter::new(&config.log_filter);
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let fmt: Box<dyn Layer<Registry> + Send + Sync> = match config.log_format {
        LogFormat::Text => fmt.boxed(),
        LogFormat::Json => fmt.json().flatten_event(true).boxed(),
    };
    let provider = config
        .otlp_endpoint
        .as_deref()
        .filter(|e| !e.is_empty())
        .and_then(otlp_provider);
    let otel = provider
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer("csc")));
    // A second init (tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(fmt)
        .with(otel)
        .with(filter)
        .try_init();
    Telemetry { provider }
}

/// `--log-filter` / `RUST_LOG`: a filter that does not parse is refused
/// with the parser's reason, rather than silently replaced.
pub fn parse_filter(directives: &str) -> Result<String, String> {
    EnvFilter::try_new(directives)
        .map(|_| directives.to_owned())
        .map_err(|e| format!("not a log filter (RUST_LOG): {e}"))
}

/// The OTLP/HTTP exporter to `endpoint` (a base URL, like
/// `OTEL_EXPORTER_OTLP_ENDPOINT`), configured by the other standard `OTEL_*`
/// variables; `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` still wins when set.
fn otlp_provider(endpoint: &str) -> Option<SdkTracerProvider> {
    use opentelemetry_otlp::WithExportConfig;
    let mut builder = opentelemetry_otlp::SpanExporter::builder().with_http();
    if std::env::var_os("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_none() {
        builder = builder.with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')));
    }
    let exporter = match builder.build() {
        Ok(exporter) => exporter,
        Err(err) => {
            eprintln!("csc: OpenTelemetry export to {endpoint} is off: {err}");
            return None;
        }
    };
    Some(
        SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(Resource::builder().with_service_name("csc").build())
            .build(),
    )
}
