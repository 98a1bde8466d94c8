//! SDK-HMAC-SHA256 signature verification, for `auth.mode = "verify"` (SPEC section 6).
//!
//! Every official Huawei Cloud SDK (Python, Go, Java, Node.js) signs each request with the
//! caller's AK/SK and puts the result in one header:
//!
//! ```text
//! Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2;...>, Signature=<64 hex>
//! ```
//!
//! The server cannot check a signature, only recompute it from what it received and
//! compare. This module does that recomputation, exactly as the SDKs sign
//! (`reference/sdk-signing.md` section 4 and "Consequences for the emulator"; the Python
//! SDK's `huaweicloudsdkcore/signer/signer.py` is the source read):
//!
//! 1. **CanonicalURI.** Percent-decode the *raw* request-target path (as received, not a
//!    framework's decoded path), split it on `/`, percent-encode each segment keeping only
//!    the RFC 3986 unreserved characters `A-Z a-z 0-9 - _ . ~` (upper-case hex), join with
//!    `/`, and append `/` unless it already ends with one. Decoding first is what lets
//!    both SDKs through: Python sends a URN as `urn%3Afss%3A...` and signs that form;
//!    Node.js sends it raw (`urn:fss:...`, `!` raw too) and signs the *encoded* form of
//!    the raw segment. Decode-then-encode turns both wire forms into `urn%3Afss%3A...`;
//!    re-encoding the raw path would give `%253A`, using it as-is would give `:`.
//! 2. **CanonicalQueryString.** Split the raw query on `&`, each item on its first `=`,
//!    percent-decode key and value (`+` stays a `+`: the SDKs encode a space as `%20`),
//!    sort by key then value (byte order, which for UTF-8 is code-point order, as Python
//!    sorts), re-encode as in step 1 and join `k=v` with `&`. Sorting matters: Node.js
//!    puts its parameters on the wire in insertion order but signs them sorted.
//! 3. **CanonicalHeaders.** For each name in `SignedHeaders`, in the order given:
//!    `lowercase(name) ":" trim(value) "\n"`. The list is taken from the Authorization
//!    header, never assumed: Python signs `user-agent`, Node.js does not. `host` is the
//!    `Host` header as received (`127.0.0.1:PORT`), which is what the SDKs sign.
//! 4. **Payload hash.** An empty body hashes as the empty string (`e3b0...b855`) whatever
//!    the headers say; otherwise an `X-Sdk-Content-Sha256` header's value (the SDKs send
//!    `UNSIGNED-PAYLOAD` there for non-JSON bodies) is used as is; otherwise the lower-case
//!    hex SHA-256 of the exact body bytes. The empty-body rule comes first because that is
//!    the order of the SDK's `_process_hash_payload`.
//! 5. **CanonicalRequest** = method, URI, query, headers, the `;`-joined SignedHeaders and
//!    the payload hash, joined by `\n`. The headers block ends in `\n`, so an empty line
//!    precedes the SignedHeaders line.
//! 6. **StringToSign** = `SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hex SHA-256(CanonicalRequest)>`.
//! 7. **Signature** = hex HMAC-SHA256 keyed with the SK's UTF-8 bytes. No key derivation,
//!    no region or service scope (unlike AWS SigV4).
//!
//! Checks, in order: the Authorization header parses; its AK is known; `X-Sdk-Date` is
//! present, well formed (`YYYYMMDDTHHMMSSZ`) and within 15 minutes of *real* time (the
//! API gateway's window; the emulator's own clock may be frozen for tests, but signatures
//! are made with wall-clock time); every signed header is present; the signature matches,
//! compared in constant time. [`verify`] takes "now" as an argument so that tests can
//! replay the SDK's vectors at their own date.

use axum::http::HeaderMap;
use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, percent_encode};
use sha2::{Digest, Sha256};

use crate::config::CredentialConfig;
use crate::domain::hex_string;

/// The algorithm name: the Authorization scheme and the first line of the string to sign.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// The header that carries the signing time.
pub const DATE_HEADER: &str = "x-sdk-date";

/// The header whose value, when present, replaces the hash of a non-empty body.
pub const CONTENT_SHA256_HEADER: &str = "x-sdk-content-sha256";

/// The format of [`DATE_HEADER`]: UTC, e.g. `20240102T030405Z`.
pub const DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// How far `X-Sdk-Date` may be from real time, either way, in seconds (15 minutes, as the
/// real API gateway allows).
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 15 * 60;

/// SHA-256 of nothing: the payload hash of a request without a body.
pub const EMPTY_PAYLOAD_HASH: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// What stays unencoded in a path segment, query key or query value: RFC 3986's
/// unreserved characters, as Python's `quote(s, safe='~')` and the Node.js signer keep.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Why a signed request was refused. Every variant becomes 401 APIGW.0301; the message
/// says which check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The Authorization header is not `SDK-HMAC-SHA256 Access=.., SignedHeaders=.., Signature=..`.
    #[error(
        "the Authorization header is not 'SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2>, Signature=<64 lower-case hex>': {0}"
    )]
    MalformedAuthorization(&'static str),
    /// No configured credential has this access key.
    #[error("unknown access key '{0}'")]
    UnknownAccessKey(String),
    /// The request has no `X-Sdk-Date` header.
    #[error("the X-Sdk-Date header is missing")]
    MissingDate,
    /// `X-Sdk-Date` is not `YYYYMMDDTHHMMSSZ`.
    #[error("X-Sdk-Date '{0}' is not a UTC time like 20240102T030405Z")]
    MalformedDate(String),
    /// `X-Sdk-Date` is more than 15 minutes from real time.
    #[error(
        "X-Sdk-Date {date} is {skew_seconds} seconds from the server's time; at most 900 (15 minutes) are allowed"
    )]
    StaleDate {
        /// The header's value.
        date: String,
        /// How far it is from now, in seconds, either way.
        skew_seconds: i64,
    },
    /// A header named in `SignedHeaders` is not in the request.
    #[error("the signed header '{0}' is not in the request")]
    MissingSignedHeader(String),
    /// Everything parsed, but the recomputed signature differs.
    #[error(
        "the signature does not match the request (check the SK, and that nothing in the request changed after signing)"
    )]
    SignatureMismatch,
}

/// A request as the verifier sees it: every part exactly as received.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// `POST`, `GET` ...
    pub method: &'a str,
    /// The raw path of the request target, still percent-encoded (`Uri::path()`).
    pub path: &'a str,
    /// The raw query, without `?` (`Uri::query()`).
    pub query: Option<&'a str>,
    /// The request headers.
    pub headers: &'a HeaderMap,
    /// The exact body bytes.
    pub body: &'a [u8],
}

/// A parsed `Authorization: SDK-HMAC-SHA256 ...` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization<'a> {
    access_key: &'a str,
    signed_headers: &'a str,
    signature: [u8; 32],
}

impl<'a> Authorization<'a> {
    /// Parses the header's value. The shape is strict (separators exactly `", "`,
    /// 64 lower-case hex digits), as every SDK writes it and as the reference verifier
    /// matches it: `^SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$`.
    pub fn parse(value: &'a str) -> Result<Self, SignatureError> {
        use SignatureError::MalformedAuthorization as Bad;
        let rest = value
            .strip_prefix(ALGORITHM)
            .and_then(|r| r.strip_prefix(" Access="))
            .ok_or(Bad("it does not start with 'SDK-HMAC-SHA256 Access='"))?;
        let (access_key, rest) = rest
            .split_once(", SignedHeaders=")
            .ok_or(Bad("', SignedHeaders=' is missing"))?;
        let (signed_headers, signature) = rest
            .split_once(", Signature=")
            .ok_or(Bad("', Signature=' is missing"))?;
        if access_key.is_empty() || access_key.contains(',') {
            return Err(Bad("the access key is empty or contains ','"));
        }
        if signed_headers.is_empty()
            || signed_headers.contains(',')
            || signed_headers.split(';').any(str::is_empty)
        {
            return Err(Bad("SignedHeaders is empty or has an empty name"));
        }
        let signature = decode_signature(signature)
            .ok_or(Bad("the signature is not 64 lower-case hex digits"))?;
        Ok(Self {
            access_key,
            signed_headers,
            signature,
        })
    }

    /// The access key (`Access=`).
    pub fn access_key(&self) -> &'a str {
        self.access_key
    }

    /// The signed header names, `;`-joined, as sent.
    pub fn signed_headers(&self) -> &'a str {
        self.signed_headers
    }
}

/// Verifies an SDK-HMAC-SHA256 request and returns the credential that signed it.
///
/// `credential_for` looks a credential up by access key; `now` is the real time the
/// `X-Sdk-Date` window is measured from (`Utc::now()` in the server).
pub fn verify<'c>(
    request: &SignedRequest<'_>,
    credential_for: impl FnOnce(&str) -> Option<&'c CredentialConfig>,
    now: DateTime<Utc>,
) -> Result<&'c CredentialConfig, SignatureError> {
    let header = request
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or(SignatureError::MalformedAuthorization(
            "there is no Authorization header",
        ))?
        .to_str()
        .map_err(|_| SignatureError::MalformedAuthorization("it is not visible ASCII"))?;
    let authorization = Authorization::parse(header)?;
    let credential = credential_for(authorization.access_key)
        .ok_or_else(|| SignatureError::UnknownAccessKey(authorization.access_key.to_owned()))?;

    let date = request
        .headers
        .get(DATE_HEADER)
        .ok_or(SignatureError::MissingDate)?;
    let date = date.to_str().map_err(|_| {
        SignatureError::MalformedDate(String::from_utf8_lossy(date.as_bytes()).into())
    })?;
    let signed_at = parse_date(date).ok_or_else(|| SignatureError::MalformedDate(date.into()))?;
    let skew_seconds = (now - signed_at).num_seconds().abs();
    if skew_seconds > MAX_CLOCK_SKEW_SECONDS {
        return Err(SignatureError::StaleDate {
            date: date.into(),
            skew_seconds,
        });
    }

    let canonical = canonical_request(request, authorization.signed_headers)?;
    let to_sign = string_to_sign(date, &canonical);
    let mut mac = hmac_sha256(credential.sk.as_bytes());
    mac.update(to_sign.as_bytes());
    // `verify_slice` compares in constant time, so the answer's timing says nothing about
    // how many leading bytes of a forged signature were right.
    mac.verify_slice(&authorization.signature)
        .map_err(|_| SignatureError::SignatureMismatch)?;
    Ok(credential)
}

/// The canonical request for `request`, signing the `;`-joined `signed_headers` (step 5
/// of the module docs). Bytes rather than a `String`: a header value may carry UTF-8 (or
/// any other) bytes, and they are signed as they are.
pub fn canonical_request(
    request: &SignedRequest<'_>,
    signed_headers: &str,
) -> Result<Vec<u8>, SignatureError> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(request.method.to_ascii_uppercase().as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_uri(request.path).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_query(request.query.unwrap_or("")).as_bytes());
    out.push(b'\n');
    for name in signed_headers.split(';') {
        let value = request
            .headers
            .get(name)
            .ok_or_else(|| SignatureError::MissingSignedHeader(name.to_owned()))?;
        out.extend_from_slice(name.to_ascii_lowercase().as_bytes());
        out.push(b':');
        out.extend_from_slice(value.as_bytes().trim_ascii());
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(signed_headers.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(payload_hash(request).as_bytes());
    Ok(out)
}

/// The canonical URI of a raw, still percent-encoded path (step 1 of the module docs).
pub fn canonical_uri(raw_path: &str) -> String {
    let decoded: Vec<u8> = percent_decode(raw_path.as_bytes()).collect();
    let mut uri = decoded
        .split(|&b| b == b'/')
        .map(encode)
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// The canonical query string of a raw query (step 2 of the module docs). An empty query
/// gives an empty string.
pub fn canonical_query(raw_query: &str) -> String {
    if raw_query.is_empty() {
        return String::new();
    }
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = raw_query
        .split('&')
        .map(|item| {
            let (key, value) = item.split_once('=').unwrap_or((item, ""));
            (
                percent_decode(key.as_bytes()).collect(),
                percent_decode(value.as_bytes()).collect(),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The payload hash (step 4 of the module docs).
pub fn payload_hash(request: &SignedRequest<'_>) -> String {
    if request.body.is_empty() {
        return EMPTY_PAYLOAD_HASH.to_owned();
    }
    match request.headers.get(CONTENT_SHA256_HEADER) {
        Some(v) if !v.is_empty() => String::from_utf8_lossy(v.as_bytes()).into_owned(),
        _ => hex_string(&Sha256::digest(request.body)),
    }
}

/// The string to sign (step 6 of the module docs).
pub fn string_to_sign(sdk_date: &str, canonical_request: &[u8]) -> String {
    format!(
        "{ALGORITHM}\n{sdk_date}\n{}",
        hex_string(&Sha256::digest(canonical_request))
    )
}

/// The lower-case hex signature of `string_to_sign` under `secret_key` (step 7).
pub fn signature(secret_key: &str, string_to_sign: &str) -> String {
    let mut mac = hmac_sha256(secret_key.as_bytes());
    mac.update(string_to_sign.as_bytes());
    hex_string(&mac.finalize().into_bytes())
}

/// Compares two byte strings in time that depends only on their lengths, for secrets
/// such as tokens (a length mismatch returns at once; lengths are not the secret).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // black_box keeps the optimiser from turning the fold back into an early exit.
    std::hint::black_box(diff) == 0
}

fn hmac_sha256(key: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length; an error here is impossible.
    Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length")
}

fn encode(bytes: &[u8]) -> String {
    percent_encode(bytes, UNRESERVED).to_string()
}

fn decode_signature(text: &str) -> Option<[u8; 32]> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

/// Parses `YYYYMMDDTHHMMSSZ` strictly: chrono alone would accept a sign or extra digits
/// in the year.
fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    let shaped = b.len() == 16
        && b[8] == b'T'
        && b[15] == b'Z'
        && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit);
    if !shaped {
        return None;
    }
    NaiveDateTime::parse_from_str(text, DATE_FORMAT)
        .ok()
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderName, HeaderValue};
    use serde::Deserialize;

    /// `tests/fixtures/sign_vectors.json`, made by the official Python SDK
    /// (`scripts/gen_sign_vectors.py`).
    const VECTORS: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sign_vectors.json"
    ));

    #[derive(Deserialize)]
    struct File {
        vectors: Vec<Vector>,
    }

    #[derive(Deserialize, Clone)]
    struct Vector {
        name: String,
        method: String,
        path: String,
        query: String,
        headers: Vec<(String, String)>,
        body: String,
        canonical_request: String,
        string_to_sign: String,
        signature: String,
        ak: String,
        sk: String,
    }

    impl Vector {
        fn header_map(&self) -> HeaderMap {
            let mut map = HeaderMap::new();
            for (name, value) in &self.headers {
                map.append(
                    HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    HeaderValue::from_str(value).unwrap(),
                );
            }
            map
        }

        fn credential(&self) -> CredentialConfig {
            CredentialConfig {
                ak: self.ak.clone(),
                sk: self.sk.clone(),
                project_ids: vec![],
            }
        }

        fn date(&self) -> DateTime<Utc> {
            parse_date(self.header("x-sdk-date")).unwrap()
        }

        fn header(&self, name: &str) -> &str {
            &self
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .unwrap()
                .1
        }
    }

    fn vectors() -> Vec<Vector> {
        let file: File = serde_json::from_str(VECTORS).unwrap();
        assert!(file.vectors.len() >= 3, "the fixture should hold vectors");
        file.vectors
    }

    fn vector(name: &str) -> Vector {
        vectors().into_iter().find(|v| v.name == name).unwrap()
    }

    /// Verifies `v` with its own headers replaced by `headers`, its body by `body`, and
    /// the credential `cred`, at time `now`.
    fn check(
        v: &Vector,
        headers: &HeaderMap,
        body: &[u8],
        cred: &CredentialConfig,
        now: DateTime<Utc>,
    ) -> Result<(), SignatureError> {
        let request = SignedRequest {
            method: &v.method,
            path: &v.path,
            query: Some(&v.query),
            headers,
            body,
        };
        verify(&request, |ak| (ak == cred.ak).then_some(cred), now).map(|_| ())
    }

    #[test]
    fn every_sdk_vector_canonicalises_and_verifies_byte_for_byte() {
        for v in vectors() {
            let headers = v.header_map();
            let request = SignedRequest {
                method: &v.method,
                path: &v.path,
                query: Some(&v.query),
                headers: &headers,
                body: v.body.as_bytes(),
            };
            let auth = Authorization::parse(v.header("authorization")).unwrap();
            let canonical = canonical_request(&request, auth.signed_headers()).unwrap();
            assert_eq!(
                String::from_utf8(canonical.clone()).unwrap(),
                v.canonical_request,
                "{}: canonical request",
                v.name
            );
            let to_sign = string_to_sign(v.header("x-sdk-date"), &canonical);
            assert_eq!(to_sign, v.string_to_sign, "{}: string to sign", v.name);
            assert_eq!(signature(&v.sk, &to_sign), v.signature, "{}", v.name);
            let cred = v.credential();
            assert_eq!(
                check(&v, &headers, v.body.as_bytes(), &cred, v.date()),
                Ok(()),
                "{}: verify",
                v.name
            );
        }
    }

    #[test]
    fn published_vectors_match_the_reference_document() {
        // sdk-signing.md V1, V2, V3: the fixture and the document agree.
        for (name, sig) in [
            (
                "create_function_version_json_body",
                "1a1fcfd9495b95c3a4ac89ee86a3966122821750d3b3f9d561f41b38839f69a2",
            ),
            (
                "list_functions_query",
                "14b25772cbb93d540cd8597b87bc59b96bf4dda15f7cff118e04520d5ba58511",
            ),
            (
                "delete_function_version_qualified",
                "2b782fb4fa0f62da302d38f5dda33eb68cff96ff645aae0b7c5ff6dfa9508b61",
            ),
        ] {
            assert_eq!(vector(name).signature, sig, "{name}");
        }
    }

    #[test]
    fn tampering_fails_with_the_right_error() {
        let v = vector("create_function_version_json_body");
        let headers = v.header_map();
        let cred = v.credential();
        let now = v.date();
        let body = v.body.as_bytes();
        assert_eq!(check(&v, &headers, body, &cred, now), Ok(()));

        // One byte of the body changed.
        let mut changed = body.to_vec();
        changed[2] ^= 0x01;
        assert_eq!(
            check(&v, &headers, &changed, &cred, now),
            Err(SignatureError::SignatureMismatch),
            "a changed body"
        );

        // A different SK for the same AK.
        let wrong = CredentialConfig {
            sk: format!("{}x", cred.sk),
            ..cred.clone()
        };
        assert_eq!(
            check(&v, &headers, body, &wrong, now),
            Err(SignatureError::SignatureMismatch),
            "a different SK"
        );

        // A signed header's value changed.
        let mut h = headers.clone();
        h.insert(
            "x-project-id",
            HeaderValue::from_static("ffffffffffffffffffffffffffffffff"),
        );
        assert_eq!(
            check(&v, &h, body, &cred, now),
            Err(SignatureError::SignatureMismatch),
            "a changed signed header"
        );

        // A header that is not signed may change freely (requests adds Accept etc.).
        let mut h = headers.clone();
        h.insert("accept", HeaderValue::from_static("application/xml"));
        assert_eq!(
            check(&v, &h, body, &cred, now),
            Ok(()),
            "an unsigned header"
        );

        // Stale: the date is more than 15 minutes from now, either way; 15 is still fine.
        let minutes = |m| chrono::TimeDelta::try_minutes(m).unwrap();
        for (offset, ok) in [
            (15, true),
            (-15, true),
            (16, false),
            (-16, false),
            (20, false),
        ] {
            let result = check(&v, &headers, body, &cred, now + minutes(offset));
            if ok {
                assert_eq!(result, Ok(()), "{offset} minutes");
            } else {
                assert!(
                    matches!(result, Err(SignatureError::StaleDate { skew_seconds, .. }) if skew_seconds == offset.abs() * 60),
                    "{offset} minutes: {result:?}"
                );
            }
        }

        // A signed header missing from the request.
        let mut h = headers.clone();
        h.remove("user-agent");
        assert_eq!(
            check(&v, &h, body, &cred, now),
            Err(SignatureError::MissingSignedHeader("user-agent".into()))
        );

        // No X-Sdk-Date, or a malformed one.
        let mut h = headers.clone();
        h.remove("x-sdk-date");
        assert_eq!(
            check(&v, &h, body, &cred, now),
            Err(SignatureError::MissingDate)
        );
        for bad in [
            "2024-01-02T03:04:05Z",
            "20240102T030405",
            "+0240102T030405Z",
            "20241302T030405Z",
        ] {
            let mut h = headers.clone();
            h.insert("x-sdk-date", HeaderValue::from_static(bad));
            assert_eq!(
                check(&v, &h, body, &cred, now),
                Err(SignatureError::MalformedDate(bad.into())),
                "{bad}"
            );
        }

        // An AK nobody configured.
        let other = CredentialConfig {
            ak: "SOMEONEELSE".into(),
            ..cred.clone()
        };
        assert_eq!(
            check(&v, &headers, body, &other, now),
            Err(SignatureError::UnknownAccessKey(v.ak.clone()))
        );
    }

    #[test]
    fn malformed_authorization_headers_are_named() {
        let sig = "1a1fcfd9495b95c3a4ac89ee86a3966122821750d3b3f9d561f41b38839f69a2";
        let good =
            format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature={sig}");
        let parsed = Authorization::parse(&good).unwrap();
        assert_eq!(parsed.access_key(), "AK");
        assert_eq!(parsed.signed_headers(), "host;x-sdk-date");
        for (bad, why) in [
            (
                format!("SDK-HMAC-SHA256 Access=AK,SignedHeaders=host, Signature={sig}"),
                "separator without a space",
            ),
            (
                format!("SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature={sig}"),
                "empty AK",
            ),
            (
                format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=, Signature={sig}"),
                "no signed headers",
            ),
            (
                format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;;x, Signature={sig}"),
                "an empty name",
            ),
            (
                format!(
                    "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature={}",
                    sig.to_uppercase()
                ),
                "upper-case hex",
            ),
            (
                format!(
                    "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature={}",
                    &sig[1..]
                ),
                "63 digits",
            ),
            (
                format!("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature={sig}0"),
                "65 digits",
            ),
            (
                format!("SDK-HMAC-SHA1 Access=AK, SignedHeaders=host, Signature={sig}"),
                "another algorithm",
            ),
            ("SDK-HMAC-SHA256 Access=AK".to_owned(), "truncated"),
        ] {
            assert!(
                matches!(
                    Authorization::parse(&bad),
                    Err(SignatureError::MalformedAuthorization(_))
                ),
                "{why}: {bad}"
            );
        }
    }

    #[test]
    fn canonical_uri_is_the_same_for_encoded_and_raw_urns() {
        let encoded = "/v2/p/fgs/functions/urn%3Afss%3Acn-north-4%3Ap%3Afunction%3Adefault%3Ahello%3A%21prod/config";
        let raw = "/v2/p/fgs/functions/urn:fss:cn-north-4:p:function:default:hello:!prod/config";
        let want = "/v2/p/fgs/functions/urn%3Afss%3Acn-north-4%3Ap%3Afunction%3Adefault%3Ahello%3A%21prod/config/";
        assert_eq!(canonical_uri(encoded), want);
        assert_eq!(canonical_uri(raw), want);
        // Lower-case hex on the wire comes out upper-case; a trailing slash is not doubled.
        assert_eq!(canonical_uri("/a%3ab/"), "/a%3Ab/");
        assert_eq!(canonical_uri("/"), "/");
        // A space and non-ASCII are encoded as UTF-8 bytes.
        assert_eq!(canonical_uri("/a b/\u{e9}"), "/a%20b/%C3%A9/");
    }

    #[test]
    fn canonical_query_sorts_decodes_and_reencodes() {
        assert_eq!(canonical_query(""), "");
        assert_eq!(
            canonical_query("maxitems=5&marker=0"),
            "marker=0&maxitems=5"
        );
        // '+' is not a space; a key without '=' gets an empty value; equal keys sort by value.
        assert_eq!(canonical_query("b=a+b&a&b=%41"), "a=&b=A&b=a%2Bb");
        assert_eq!(canonical_query("q=hello world!"), "q=hello%20world%21");
    }

    /// A request as the Node.js SDK sends it: the URN raw (`:` and `!`, not encoded),
    /// `user-agent` not signed, the query in insertion order. The expected signature is
    /// computed here, by hand, from the documented algorithm.
    #[test]
    fn a_nodejs_style_request_verifies() {
        let project = "0123456789abcdef0123456789abcdef";
        let date = "20240102T030405Z";
        let path = format!(
            "/v2/{project}/fgs/functions/urn:fss:cn-north-4:{project}:function:default:hello:!prod/config"
        );
        let query = "maxitems=5&marker=0";
        let cred = CredentialConfig {
            ak: "NODEAK".into(),
            sk: "node-secret".into(),
            project_ids: vec![],
        };
        let canonical = format!(
            "GET\n\
             /v2/{project}/fgs/functions/urn%3Afss%3Acn-north-4%3A{project}%3Afunction%3Adefault%3Ahello%3A%21prod/config/\n\
             marker=0&maxitems=5\n\
             content-type:application/json\n\
             host:127.0.0.1:8080\n\
             x-project-id:{project}\n\
             x-sdk-date:{date}\n\
             \n\
             content-type;host;x-project-id;x-sdk-date\n\
             {EMPTY_PAYLOAD_HASH}"
        );
        let to_sign = format!(
            "SDK-HMAC-SHA256\n{date}\n{}",
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(b"node-secret").unwrap();
        mac.update(to_sign.as_bytes());
        let expected = hex::encode(mac.finalize().into_bytes());

        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("content-type", "application/json"),
            ("host", "127.0.0.1:8080"),
            ("x-project-id", project),
            ("x-sdk-date", date),
            ("user-agent", "huaweicloud-usdk-nodejs/3.0"),
            (
                "authorization",
                &format!(
                    "SDK-HMAC-SHA256 Access=NODEAK, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature={expected}"
                ),
            ),
        ] {
            headers.insert(name, HeaderValue::from_str(value).unwrap());
        }
        let request = SignedRequest {
            method: "GET",
            path: &path,
            query: Some(query),
            headers: &headers,
            body: b"",
        };
        let now = parse_date(date).unwrap();
        assert_eq!(
            String::from_utf8(
                canonical_request(&request, "content-type;host;x-project-id;x-sdk-date").unwrap()
            )
            .unwrap(),
            canonical
        );
        let found = verify(&request, |ak| (ak == cred.ak).then_some(&cred), now).unwrap();
        assert_eq!(found.ak, "NODEAK");

        // The same canonical URI as the Python SDK's %3A/%21 form of this path.
        let python = vector("show_function_config_alias");
        assert_eq!(canonical_uri(&path), canonical_uri(&python.path));
    }

    #[test]
    fn an_empty_body_hashes_empty_even_with_a_content_sha256_header() {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_SHA256_HEADER,
            HeaderValue::from_static("UNSIGNED-PAYLOAD"),
        );
        let mut request = SignedRequest {
            method: "POST",
            path: "/",
            query: None,
            headers: &headers,
            body: b"",
        };
        assert_eq!(payload_hash(&request), EMPTY_PAYLOAD_HASH);
        request.body = b"x";
        assert_eq!(payload_hash(&request), "UNSIGNED-PAYLOAD");
        let none = HeaderMap::new();
        request.headers = &none;
        assert_eq!(
            payload_hash(&request),
            "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
        );
    }

    #[test]
    fn constant_time_eq_compares_bytes() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }
}
