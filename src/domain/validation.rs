use serde::Serialize;

/// One broken rule on one input field, reported to the client as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub rule: &'static str,
    pub message: String,
}

/// A time in the one format the database stores (which sorts as text).
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Collects every broken rule of a request so the client can fix them all at once.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldError>);

impl Violations {
    pub fn add(&mut self, field: impl Into<String>, rule: &'static str, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), rule, message: message.into() });
    }

    /// Whether `field` already breaks a rule.
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    pub fn into_result<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() { Ok(value) } else { Err(self.0) }
    }

    /// Trims the text, then checks it is present and no longer than `max` characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> Option<String> {
        let value = value.trim();
        if value.is_empty() {
            self.add(field, "not-empty", format!("{field} must not be empty"));
            None
        } else if value.chars().count() > max {
            self.add(field, "max-length", format!("{field} must be at most {max} characters"));
            None
        } else {
            Some(value.to_owned())
        }
    }

    /// Like `text`, but an absent or blank value is simply no value.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        match value.map(str::trim) {
            None | Some("") => None,
            Some(v) => self.text(field, v, max),
        }
    }

    /// A name shown in lists and logs: like `text`, without control characters (a newline or a tab in
    /// a name would forge a row of a listing).
    pub fn name(&mut self, field: &str, value: &str, max: usize) -> Option<String> {
        let name = self.text(field, value, max)?;
        if name.chars().any(char::is_control) {
            self.add(field, "no-control-characters", format!("{field} must not hold control characters"));
            return None;
        }
        Some(name)
    }

    /// An RFC 3339 time, in the one format the database stores.
    pub fn time(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        match chrono::DateTime::parse_from_rfc3339(value?) {
            Ok(t) => Some(timestamp(t.to_utc())),
            Err(_) => {
                self.add(field, "rfc3339", format!("{field} must be an RFC 3339 timestamp"));
                None
            }
        }
    }

    /// Like `time`, and in the future.
    pub fn future_time(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let at = self.time(field, value)?;
        if at <= timestamp(chrono::Utc::now()) {
            self.add(field, "future", format!("{field} must be in the future"));
            return None;
        }
        Some(at)
    }

    /// An absolute http(s) URL.
    pub fn url(&mut self, field: &str, value: &str) -> Option<url::Url> {
        match url::Url::parse(value.trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
                if value.len() > 2048 {
                    self.add(field, "max-length", format!("{field} must be at most 2048 characters"));
                    None
                } else {
                    Some(u)
                }
            }
            Ok(_) => {
                self.add(field, "url", format!("{field} must be an http or https URL with a host"));
                None
            }
            Err(e) => {
                self.add(field, "url", format!("{field} is not a valid URL: {e}"));
                None
            }
        }
    }

    /// A page size from a query string: absent is `default`, else an integer in 1..=max.
    pub fn limit(&mut self, value: Option<&str>, default: usize, max: usize) -> usize {
        match value.map(str::parse::<usize>) {
            None => default,
            Some(Ok(n)) if (1..=max).contains(&n) => n,
            Some(_) => {
                self.add("limit", "range", format!("limit must be an integer from 1 to {max}"));
                default
            }
        }
    }

    /// A page's `cursor` that is a row id, written as `next_cursor` writes it (digits, no leading
    /// zero). Absent or refused: `None`, a refusal recorded here.
    pub fn row_cursor(&mut self, value: Option<&str>) -> Option<i64> {
        let issued = |s: &str| s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0');
        match value.map(|s| (issued(s), s.parse::<i64>())) {
            None => None,
            Some((true, Ok(id))) => Some(id),
            Some(_) => {
                self.add("cursor", "cursor", "cursor is not one this server issued");
                None
            }
        }
    }

    /// A yes or no from a query string: absent is `default`, else `true` or `false`.
    pub fn flag(&mut self, field: &str, value: Option<&str>, default: bool) -> bool {
        match value {
            None => default,
            Some("true") => true,
            Some("false") => false,
            Some(_) => {
                self.add(field, "one-of", format!("{field} must be one of: true, false"));
                default
            }
        }
    }

    /// A number in 0..=1, as reliabilities and confidences are.
    pub fn unit_interval(&mut self, field: &str, value: Option<f64>, default: f64) -> f64 {
        match value {
            None => default,
            Some(v) if (0.0..=1.0).contains(&v) => v,
            Some(_) => {
                self.add(field, "range", format!("{field} must be a number from 0 to 1"));
                default
            }
        }
    }
}
