//! One error type for every handler, turned into a response in one place.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// What went wrong, for the client. A 4xx carries a safe bilingual message; a 5xx says only
/// "internal error", and the detail goes to the log through a response extension.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request is malformed or a value is invalid.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 400: personal data was requested without stating a purpose.
    #[error("purpose required")]
    PurposeRequired,
    /// 403: this role sees pseudonymised data unless it states why it needs identities.
    #[error("identity basis required")]
    IdentityBasisRequired,
    /// 401: no valid credentials.
    #[error("unauthenticated")]
    Unauthenticated,
    /// 403: the role does not allow this.
    #[error("forbidden")]
    Forbidden,
    /// 404: nothing there.
    #[error("not found")]
    NotFound,
    /// 409: conflicts with existing data.
    #[error("conflict: {0}")]
    Conflict(String),
    /// 405: the path exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 413: the body is too large.
    #[error("payload too large")]
    TooLarge,
    /// 429: too many failed sign-ins for this account; try again after this many seconds.
    #[error("too many attempts")]
    TooManyAttempts(u64),
    /// 429: too many requests from this address or device; try again after this many seconds.
    #[error("rate limited")]
    RateLimited(u64),
    /// A refusal with its own status, code and messages in both languages (the public app shows
    /// them to citizens as they are).
    #[error("{code}: {en}")]
    Coded {
        /// The HTTP status.
        status: StatusCode,
        /// Machine-readable code.
        code: &'static str,
        /// Bahasa Indonesia.
        id: String,
        /// English.
        en: String,
    },
    /// 500: anything else; the detail is logged, never sent.
    #[error("internal: {0}")]
    Internal(String),
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Machine-readable code.
    pub error: &'static str,
    /// Message in Bahasa Indonesia.
    pub message: String,
    /// Message in English.
    pub message_en: String,
}

/// Carried in the response extensions so the trace layer can log a 500's cause.
#[derive(Debug, Clone)]
pub struct InternalDetail(pub String);

impl AppError {
    fn parts(&self) -> (StatusCode, &'static str, String, String) {
        match self {
            AppError::BadRequest(detail) => (
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("Permintaan tidak valid: {detail}"),
                format!("Bad request: {detail}"),
            ),
            AppError::PurposeRequired => (
                StatusCode::BAD_REQUEST,
                "purpose_required",
                "Sebutkan tujuan akses data pribadi (header X-Purpose atau parameter purpose).".into(),
                "State the purpose of this access to personal data (X-Purpose header or purpose parameter).".into(),
            ),
            AppError::IdentityBasisRequired => (
                StatusCode::FORBIDDEN,
                "identity_basis_required",
                "Analis melihat data berpseudonim. Untuk melihat identitas, sebutkan dasarnya: nomor kasus \
                 yang terbuka (KS-…) atau nomor surat tugas (header X-Identity-Basis atau parameter \
                 identity_basis)."
                    .into(),
                "Analysts see pseudonymised data. To see identities, state the basis: an open case number \
                 (KS-…) or an assignment letter number (X-Identity-Basis header or identity_basis parameter)."
                    .into(),
            ),
            AppError::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Silakan masuk terlebih dahulu.".into(),
                "Please sign in first.".into(),
            ),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Peran Anda tidak mengizinkan tindakan ini.".into(),
                "Your role does not allow this action.".into(),
            ),
            AppError::NotFound => {
                (StatusCode::NOT_FOUND, "not_found", "Data tidak ditemukan.".into(), "Not found.".into())
            }
            AppError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "Metode HTTP ini tidak didukung untuk alamat ini.".into(),
                "This HTTP method is not supported at this address.".into(),
            ),
            AppError::Conflict(detail) => (
                StatusCode::CONFLICT,
                "conflict",
                format!("Bertentangan dengan data yang ada: {detail}"),
                format!("Conflict: {detail}"),
            ),
            AppError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "Permintaan terlalu besar.".into(),
                "The request is too large.".into(),
            ),
            AppError::TooManyAttempts(seconds) => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!("Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam {seconds} detik."),
                format!("Too many failed sign-ins. Try again in {seconds} seconds."),
            ),
            AppError::RateLimited(seconds) => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("Terlalu banyak permintaan dari perangkat atau jaringan ini. Coba lagi dalam {seconds} detik."),
                format!("Too many requests from this device or network. Try again in {seconds} seconds."),
            ),
            AppError::Coded { status, code, id, en } => (*status, *code, id.clone(), en.clone()),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Terjadi kesalahan internal.".into(),
                "Internal error.".into(),
            ),
        }
    }
}

impl AppError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.parts().0
    }

    /// The message in Bahasa Indonesia and in English.
    pub fn messages(&self) -> (String, String) {
        let (_, _, id, en) = self.parts();
        (id, en)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, message, message_en) = self.parts();
        let retry_after = match &self {
            AppError::TooManyAttempts(seconds) | AppError::RateLimited(seconds) => Some(*seconds),
            _ => None,
        };
        let mut response = (status, Json(ErrorBody { error: code, message, message_en })).into_response();
        if let Some(seconds) = retry_after
            && let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
        }
        if let AppError::Internal(detail) = self {
            response.extensions_mut().insert(InternalDetail(detail));
        }
        response
    }
}

impl From<waspada_store::Error> for AppError {
    fn from(e: waspada_store::Error) -> Self {
        match e {
            waspada_store::Error::NotFound { .. } => AppError::NotFound,
            waspada_store::Error::Duplicate { what } => AppError::Conflict(format!("{what} already exists")),
            waspada_store::Error::IdempotencyConflict => AppError::Coded {
                status: StatusCode::CONFLICT,
                code: "idempotency_conflict",
                id: "Kunci idempotensi ini sudah dipakai untuk permintaan yang berbeda.".into(),
                en: "This idempotency key was already used for a different request.".into(),
            },
            waspada_store::Error::Refused(reason) => AppError::Conflict(reason),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> Self {
        AppError::Internal(format!("blocking task failed: {e}"))
    }
}

impl From<axum::extract::rejection::JsonRejection> for AppError {
    fn from(e: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection;
        match e {
            JsonRejection::BytesRejection(bytes) if bytes.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                AppError::TooLarge
            }
            JsonRejection::BytesRejection(_) => AppError::BadRequest("the request body could not be read".into()),
            JsonRejection::MissingJsonContentType(_) => {
                AppError::BadRequest("send the body as JSON with the header content-type: application/json".into())
            }
            other => AppError::BadRequest(redact_serde_message(&other.body_text())),
        }
    }
}

/// serde quotes the offending value in backticks (`invalid type: integer `12345`, expected a
/// string`); that value may be personal data, so it is replaced. Field names, which serde also
/// quotes, are kept: they follow "field" in the message.
fn redact_serde_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find('`') {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        let Some(end) = after[1..].find('`') else {
            out.push_str(after);
            return out;
        };
        let quoted = &after[1..=end];
        if before.trim_end().ends_with("field") {
            out.push('`');
            out.push_str(quoted);
            out.push('`');
        } else {
            out.push_str("(value hidden)");
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

impl From<axum::extract::rejection::QueryRejection> for AppError {
    fn from(e: axum::extract::rejection::QueryRejection) -> Self {
        AppError::BadRequest(e.body_text())
    }
}

impl From<axum::extract::rejection::PathRejection> for AppError {
    fn from(e: axum::extract::rejection::PathRejection) -> Self {
        AppError::BadRequest(e.body_text())
    }
}

#[cfg(test)]
mod tests {
    use super::redact_serde_message;

    #[test]
    fn serde_values_are_hidden_but_field_names_kept() {
        assert_eq!(
            redact_serde_message("invalid type: integer `918273645546372`, expected a string at line 1 column 40"),
            "invalid type: integer (value hidden), expected a string at line 1 column 40"
        );
        assert_eq!(redact_serde_message("missing field `username`"), "missing field `username`");
        assert_eq!(redact_serde_message("unterminated `quote"), "unterminated `quote");
    }
}
