//! Rate-limit state from response headers (`x-codex-primary-*`, `x-codex-secondary-*`).

use codex_protocol::protocol::{RateLimitSnapshot, RateLimitWindow};
use reqwest::header::HeaderMap;

/// The snapshot in `headers`, if the server sent one.
pub fn parse_rate_limits(headers: &HeaderMap) -> Option<RateLimitSnapshot> {
    let primary = window(headers, "primary");
    let secondary = window(headers, "secondary");
    (primary.is_some() || secondary.is_some()).then_some(RateLimitSnapshot { primary, secondary })
}

fn window(headers: &HeaderMap, which: &str) -> Option<RateLimitWindow> {
    let get = |suffix: &str| {
        headers
            .get(format!("x-codex-{which}-{suffix}"))
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .map(str::to_string)
    };
    let used_percent: f64 = get("used-percent")?.parse().ok()?;
    Some(RateLimitWindow {
        used_percent,
        window_minutes: get("window-minutes").and_then(|v| v.parse().ok()),
        resets_in_seconds: get("reset-after-seconds").and_then(|v| v.parse().ok()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_windows() {
        let mut headers = HeaderMap::new();
        headers.insert("x-codex-primary-used-percent", "12.5".parse().unwrap());
        headers.insert("x-codex-primary-window-minutes", "300".parse().unwrap());
        headers.insert("x-codex-primary-reset-after-seconds", "42".parse().unwrap());
        headers.insert("x-codex-secondary-used-percent", "80".parse().unwrap());
        let snapshot = parse_rate_limits(&headers).unwrap();
        let primary = snapshot.primary.unwrap();
        assert_eq!(primary.used_percent, 12.5);
        assert_eq!(primary.window_minutes, Some(300));
        assert_eq!(primary.resets_in_seconds, Some(42));
        assert_eq!(snapshot.secondary.unwrap().used_percent, 80.0);
        assert!(parse_rate_limits(&HeaderMap::new()).is_none());
    }
}
