//! Backoff and server-suggested delays.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

const INITIAL_DELAY_MS: f64 = 200.0;
const BACKOFF_FACTOR: f64 = 2.0;
const MAX_DELAY: Duration = Duration::from_secs(30);

/// Exponential backoff for retry `attempt` (1-based), with ±10% jitter so that
/// many clients do not retry in lockstep.
pub fn backoff(attempt: u64) -> Duration {
    let exponent = attempt.saturating_sub(1).min(16) as i32;
    let base = INITIAL_DELAY_MS * BACKOFF_FACTOR.powi(exponent);
    let jitter = 0.9 + 0.2 * unit_random();
    Duration::from_millis((base * jitter) as u64).min(MAX_DELAY)
}

/// A number in [0, 1) that differs between calls and processes. Quality does
/// not matter here, only spread.
fn unit_random() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    let mut x =
        nanos ^ (COUNTER.fetch_add(1, Ordering::Relaxed) << 32) ^ u64::from(std::process::id());
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// `Retry-After` (seconds) or `retry-after-ms`.
pub fn retry_after_header(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
    {
        return Duration::try_from_secs_f64(ms / 1000.0).ok();
    }
    headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
}

/// The delay in messages like "Please try again in 1.898s." or "try again in 20ms".
pub fn try_again_in(message: &str) -> Option<Duration> {
    let lower = message.to_ascii_lowercase();
    let start = lower.find("try again in ")? + "try again in ".len();
    let rest = &lower[start..];
    let number_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let value: f64 = rest[..number_end].parse().ok()?;
    let unit = rest[number_end..].trim_start();
    let seconds = if unit.starts_with("ms") {
        value / 1000.0
    } else if unit.starts_with('s') {
        value
    } else if unit.starts_with('m') {
        value * 60.0
    } else {
        return None;
    };
    Duration::try_from_secs_f64(seconds).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let first = backoff(1);
        assert!(first >= Duration::from_millis(180) && first <= Duration::from_millis(220));
        let third = backoff(3);
        assert!(third >= Duration::from_millis(720) && third <= Duration::from_millis(880));
        assert_eq!(backoff(40), MAX_DELAY);
    }

    #[test]
    fn server_hints() {
        assert_eq!(
            try_again_in("Rate limit reached. Please try again in 1.898s. Visit ..."),
            Some(Duration::from_millis(1898))
        );
        assert_eq!(
            try_again_in("try again in 20ms"),
            Some(Duration::from_millis(20))
        );
        assert_eq!(
            try_again_in("try again in 2 minutes"),
            Some(Duration::from_secs(120))
        );
        assert_eq!(try_again_in("try again later"), None);

        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "3".parse().unwrap());
        assert_eq!(retry_after_header(&headers), Some(Duration::from_secs(3)));
        headers.insert("retry-after-ms", "250".parse().unwrap());
        assert_eq!(
            retry_after_header(&headers),
            Some(Duration::from_millis(250))
        );
    }
}
