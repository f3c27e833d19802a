//! The second factor for staff: time-based one-time passwords (RFC 6238: HMAC-SHA-1, 6 digits,
//! 30-second steps), which every authenticator app understands. totp-rs computes the codes; this
//! module only decides which steps are accepted (the current one and one either side, for clocks
//! a little off) and returns the step, so the store can refuse a code used once already.

use totp_rs::{Algorithm, TOTP};

/// Seconds per code.
pub const STEP_SECONDS: u64 = 30;

/// The issuer shown in authenticator apps.
pub const ISSUER: &str = "Waspada";

fn totp(secret: &[u8], account: &str) -> Option<TOTP> {
    // new_unchecked: our secrets are 160 bits (RFC 4226's recommended length), and an account
    // name may hold characters the otpauth label check refuses; the check protects nothing here.
    Some(TOTP::new_unchecked(Algorithm::SHA1, 6, 1, STEP_SECONDS, secret.to_vec(), Some(ISSUER.into()), account.into()))
}

/// A new random 160-bit secret.
pub fn new_secret() -> Result<Vec<u8>, String> {
    let mut secret = vec![0u8; 20];
    getrandom::fill(&mut secret).map_err(|e| format!("no system randomness: {e}"))?;
    Ok(secret)
}

/// Recovery codes made at enrolment.
pub const RECOVERY_CODES: usize = 10;

/// New one-time recovery codes for a lost phone: 50 random bits each, written `XXXXX-XXXXX` in
/// Crockford's base32 (no I, L, O, U to misread on paper). Stored only as keyed blind indexes of
/// their [`normalise_recovery_code`] form.
pub fn new_recovery_codes() -> Result<Vec<String>, String> {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).map_err(|e| format!("no system randomness: {e}"))?;
        let bits = u64::from_be_bytes(bytes);
        let chars: String = (0..10).map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char).collect();
        codes.push(format!("{}-{}", &chars[..5], &chars[5..]));
    }
    Ok(codes)
}

/// A recovery code as typed, in the form its blind index is made of: upper case, without
/// separators, with the letters people confuse read as the digits Crockford's base32 means.
/// `None` when it cannot be a recovery code (so a 6-digit TOTP code is never taken for one).
pub fn normalise_recovery_code(text: &str) -> Option<String> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\t'))
        .map(|c| match c.to_ascii_uppercase() {
            'I' | 'L' => '1',
            'O' => '0',
            other => other,
        })
        .collect();
    let valid = cleaned.len() == 10 && cleaned.bytes().all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b));
    valid.then_some(cleaned)
}

/// The `otpauth://` address to enrol an authenticator app (as text or a QR code).
pub fn enrolment_url(secret: &[u8], account: &str) -> String {
    totp(secret, account).map(|t| t.get_url()).unwrap_or_default()
}

/// The secret in base32, for typing into an authenticator app by hand.
pub fn secret_base32(secret: &[u8]) -> String {
    totp(secret, "").map(|t| t.get_secret_base32()).unwrap_or_default()
}

/// A base32 secret as an authenticator app shows it, decoded.
pub fn secret_from_base32(text: &str) -> Option<Vec<u8>> {
    totp_rs::Secret::Encoded(text.trim().to_ascii_uppercase()).to_bytes().ok()
}

/// The code for a time (for tests and for the enrolment check).
pub fn code_at(secret: &[u8], unix_seconds: u64) -> String {
    totp(secret, "").map(|t| t.generate(unix_seconds)).unwrap_or_default()
}

/// The time step a code belongs to, if it is the code of the step of `unix_seconds` or of the one
/// before or after it.
pub fn matching_step(secret: &[u8], code: &str, unix_seconds: u64) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret, "")?;
    let now = unix_seconds / STEP_SECONDS;
    [now, now.saturating_sub(1), now + 1].into_iter().find_map(|step| {
        let expected = totp.generate(step * STEP_SECONDS);
        constant_time_eq(expected.as_bytes(), code.as_bytes()).then_some(step as i64)
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Any typed text is answered without a panic, and what is accepted is always ten
        /// characters of the alphabet (so it is the form the blind index was made of).
        #[test]
        fn any_typed_code_is_answered(text in "\\PC{0,40}") {
            if let Some(code) = normalise_recovery_code(&text) {
                proptest::prop_assert_eq!(code.len(), 10);
                proptest::prop_assert!(code.bytes().all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b)));
                proptest::prop_assert_eq!(normalise_recovery_code(&code), Some(code.clone()));
            }
            let _ = matching_step(b"12345678901234567890", &text, 59);
        }
    }

    #[test]
    fn recovery_codes_are_distinct_readable_and_normalise() {
        let codes = new_recovery_codes().unwrap();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let unique: std::collections::HashSet<&String> = codes.iter().collect();
        assert_eq!(unique.len(), codes.len());
        for code in &codes {
            assert_eq!(code.len(), 11);
            assert_eq!(&code[5..6], "-");
            let normal = normalise_recovery_code(code).unwrap();
            assert_eq!(normal, code.replace('-', ""));
            // As a person might type it: lower case, spaces, O for 0 and l for 1.
            let typed = code.to_lowercase().replace('-', " ").replace('0', "o").replace('1', "l");
            assert_eq!(normalise_recovery_code(&typed).as_deref(), Some(normal.as_str()));
        }
        assert_eq!(normalise_recovery_code("123456"), None, "a TOTP code is not a recovery code");
        assert_eq!(normalise_recovery_code("ABCDE-FGHJU"), None, "U is not in the alphabet");
        assert_eq!(normalise_recovery_code("ABCDE-FGHJKM"), None);
    }

    /// RFC 6238 appendix B, SHA-1, 8 digits truncated to our 6 (the same HOTP value mod 10^6).
    #[test]
    fn codes_match_the_rfc_vectors() {
        let secret = b"12345678901234567890";
        for (time, eight) in
            [(59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"), (2000000000, "69279037")]
        {
            assert_eq!(code_at(secret, time), eight[2..], "t={time}");
        }
    }

    #[test]
    fn a_step_either_side_is_accepted_and_no_further() {
        let secret = b"12345678901234567890";
        let now = 1_700_000_000;
        let step = (now / STEP_SECONDS) as i64;
        assert_eq!(matching_step(secret, &code_at(secret, now), now), Some(step));
        assert_eq!(matching_step(secret, &code_at(secret, now - 30), now), Some(step - 1));
        assert_eq!(matching_step(secret, &code_at(secret, now + 30), now), Some(step + 1));
        assert_eq!(matching_step(secret, &code_at(secret, now - 90), now), None);
        assert_eq!(matching_step(secret, "12345", now), None);
        assert_eq!(matching_step(secret, "abcdef", now), None);
        assert!(enrolment_url(secret, "kasi").starts_with("otpauth://totp/Waspada:kasi?"));
    }
}
