//! CreateFunction and UpdateFunctionConfig bodies.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::code::{FuncCodeBody, parse_code};
use super::{CodeInput, err, required};
use crate::config::LimitsConfig;
use crate::domain::{FunctionName, PackageName};
use crate::error::{ApiError, ErrorCode};
use crate::model::FunctionConfig;

/// The body of `POST /v2/{project_id}/fgs/functions` (CreateFunction), and of
/// `PUT .../config` (UpdateFunctionConfig), which takes the same configuration settings.
///
/// The function's identity and code are fields here; every other key is kept in
/// `settings` as sent and read by [`FunctionConfig::parse`], the one place that knows the
/// configuration's shape and rules.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct FunctionBody {
    /// The function name.
    pub func_name: Option<String>,
    /// The package (app); `default` when absent.
    pub package: Option<String>,
    /// `inline`, `zip`, `jar`, `obs` or `Custom-Image-Swr`.
    pub code_type: Option<String>,
    /// The OBS URL, for `obs` code.
    pub code_url: Option<String>,
    /// The code file name, as given.
    pub code_filename: Option<String>,
    /// The code, base64 in `file`.
    pub func_code: Option<FuncCodeBody>,
    /// The configuration settings (see the `FunctionConfig` schema), and any other key.
    #[serde(flatten)]
    #[schema(value_type = FunctionConfig)]
    pub settings: Map<String, Value>,
}

/// A [`FunctionBody`] read without `flatten`, for the handlers: the same result and the
/// same errors as the derive (`tests::reading_directly_agrees_with_the_derive` compares
/// them over good and bad bodies, with and without the error's path), which stays the
/// definition and the schema's source.
///
/// With `#[serde(flatten)]` serde buffers every key it does not know (most of a
/// configuration) as its generic `Content` and only then converts that to the settings
/// map: about a sixth of an update config's work. Here each such value is read straight
/// into a `Value`.
#[derive(Debug, Default)]
pub struct FunctionBodyDirect(pub FunctionBody);

impl<'de> Deserialize<'de> for FunctionBodyDirect {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(BodyVisitor).map(Self)
    }
}

/// The derive's own fields, in its order, then any other key.
enum BodyKey {
    Field(usize),
    Other(String),
}

const BODY_FIELDS: [&str; 6] = [
    "func_name",
    "package",
    "code_type",
    "code_url",
    "code_filename",
    "func_code",
];

impl<'de> Deserialize<'de> for BodyKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl serde::de::Visitor<'_> for KeyVisitor {
            type Value = BodyKey;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("field identifier")
            }
            fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<BodyKey, E> {
                Ok(match BODY_FIELDS.iter().position(|f| *f == key) {
                    Some(i) => BodyKey::Field(i),
                    None => BodyKey::Other(key.to_owned()),
                })
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

struct BodyVisitor;

impl<'de> serde::de::Visitor<'de> for BodyVisitor {
    type Value = FunctionBody;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("struct FunctionBody")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<FunctionBody, A::Error> {
        use serde::de::Error as _;
        let mut body = FunctionBody::default();
        let mut seen = [false; BODY_FIELDS.len()];
        while let Some(key) = map.next_key::<BodyKey>()? {
            let i = match key {
                BodyKey::Other(key) => {
                    let value = map.next_value::<Value>()?;
                    body.settings.insert(key, value);
                    continue;
                }
                BodyKey::Field(i) => i,
            };
            if std::mem::replace(&mut seen[i], true) {
                return Err(A::Error::duplicate_field(BODY_FIELDS[i]));
            }
            let text = match i {
                0 => &mut body.func_name,
                1 => &mut body.package,
                2 => &mut body.code_type,
                3 => &mut body.code_url,
                4 => &mut body.code_filename,
                _ => {
                    body.func_code = map.next_value()?;
                    continue;
                }
            };
            *text = map.next_value()?;
        }
        Ok(body)
    }
}

/// UpdateFunctionConfig's body read straight onto `current`, without the settings map:
/// `current` with each setting the body gives read into its field from the body's own
/// bytes, finished as [`FunctionConfig::parse`] finishes a good update. `function` is the
/// URN's function, which a `func_name` in the body must name.
///
/// **Why.** The usual way reads the body into a [`FunctionBody`] (every setting's key and
/// value copied into a map of JSON values, about ten allocations for five settings), then
/// reads each value again into its field: about a sixth of an update config's work, and
/// generic code a write runs nowhere else.
///
/// `None` whenever this way might not answer as the usual one would, which then decides,
/// errors included (so errors, and their order, come from one place): anything it refuses
/// or does not read (a setting's rule, `strategy_config`, which is merged, the code
/// fields, a key given twice or with escapes, a rule between settings), or anything but
/// one JSON object. `tests::patching_from_the_body_agrees_with_the_usual_way` compares the
/// two over good and bad bodies.
pub fn patch_config(
    current: &FunctionConfig,
    body: &[u8],
    function: &str,
) -> Option<FunctionConfig> {
    let mut config = current.clone();
    patch_config_in_place(&mut config, body, function).then_some(config)
}

/// [`patch_config`] onto `config` itself: `true` when it is patched, `false` (and `config`
/// as it was) where `patch_config` answers `None`.
///
/// **Why.** Copying the configuration to patch the copy, and dropping the old one, was a
/// tenth of the route's own work in update config's profile, and worth 5-8% of its
/// throughput on loopback (`docs/PERFORMANCE.md`, twelfth step). Each setting
/// the body gives is first swapped out into a [`FunctionConfig::holder`] (which allocates
/// nothing), then read; when anything refuses, swapping the same keys back restores every
/// value, even one half read.
pub fn patch_config_in_place(config: &mut FunctionConfig, body: &[u8], function: &str) -> bool {
    let mut holder = config.holder();
    let mut keys = Keys::default();
    let mut de = serde_json::Deserializer::from_slice(body);
    let read = serde::Deserializer::deserialize_map(
        &mut de,
        PatchVisitor {
            config: &mut *config,
            holder: &mut holder,
            keys: &mut keys,
            function,
        },
    )
    .is_ok()
        && de.end().is_ok();
    if read && config.finish_patch_in_place() {
        return true;
    }
    for key in keys.swapped() {
        config.swap_setting(&mut holder, key);
    }
    false
}

/// The most keys [`patch_config`] reads in one body (beyond, it leaves the body to the
/// usual way): it remembers them, without allocating, to refuse a key given twice.
const PATCH_MAX_KEYS: usize = 32;

/// The keys read so far, in order (to refuse one given twice), and which of them had their
/// value swapped out into the holder (to swap back).
#[derive(Default)]
struct Keys<'de> {
    seen: [&'de str; PATCH_MAX_KEYS],
    count: usize,
    /// Bit `i` for `seen[i]` swapped out.
    swapped: u32,
}

impl<'de> Keys<'de> {
    fn seen(&self) -> &[&'de str] {
        &self.seen[..self.count]
    }

    /// The keys whose values are in the holder.
    fn swapped(&self) -> impl Iterator<Item = &'de str> + '_ {
        (0..self.count)
            .filter(|i| self.swapped & (1 << i) != 0)
            .map(|i| self.seen[i])
    }

    /// The last key noted has its value in the holder now.
    fn last_swapped(&mut self) {
        self.swapped |= 1 << (self.count - 1);
    }

    /// Remembers `key`; `false` if it was given before or there is no room.
    fn note(&mut self, key: &'de str) -> bool {
        if self.count == PATCH_MAX_KEYS || self.seen().contains(&key) {
            return false;
        }
        self.seen[self.count] = key;
        self.count += 1;
        true
    }
}

/// Reads an update config body onto a configuration (see [`patch_config_in_place`]): its
/// errors only mean "leave it to the usual way", so they say little.
struct PatchVisitor<'a, 'de> {
    config: &'a mut FunctionConfig,
    holder: &'a mut FunctionConfig,
    keys: &'a mut Keys<'de>,
    function: &'a str,
}

impl<'de> serde::de::Visitor<'de> for PatchVisitor<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an update config body")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        use serde::de::Error as _;
        let leave = || A::Error::custom("left to the usual way");
        while let Some(BorrowedKey(key)) = map.next_key()? {
            if !self.keys.note(key) {
                return Err(leave());
            }
            match key {
                // What update config reads of the body's own fields: a `func_name` must
                // name the URN's function; a `package` must be text, and is ignored.
                "func_name" => match map.next_value::<Option<BorrowedKey<'de>>>()? {
                    Some(BorrowedKey(name)) if name != self.function => return Err(leave()),
                    _ => {}
                },
                "package" => {
                    map.next_value::<Option<BorrowedKey<'de>>>()?;
                }
                "code_type" | "code_url" | "code_filename" | "func_code" => return Err(leave()),
                setting => map.next_value_seed(Setting {
                    config: &mut *self.config,
                    holder: &mut *self.holder,
                    keys: &mut *self.keys,
                    key: setting,
                })?,
            }
        }
        Ok(())
    }
}

/// Text borrowed from the body: a key, or a string value without escapes (one with escapes
/// is refused, and [`patch_config`] leaves the body to the usual way).
struct BorrowedKey<'de>(&'de str);

impl<'de> Deserialize<'de> for BorrowedKey<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> serde::de::Visitor<'de> for Text {
            type Value = BorrowedKey<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("text without escapes")
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                s: &'de str,
            ) -> Result<Self::Value, E> {
                Ok(BorrowedKey(s))
            }
        }
        d.deserialize_str(Text)
    }
}

/// One setting's value, read into its field; `null` counts as omitted (as in the usual way).
/// The current value goes into the holder first: whatever happens next, the swap back
/// restores it.
struct Setting<'a, 'de> {
    config: &'a mut FunctionConfig,
    holder: &'a mut FunctionConfig,
    keys: &'a mut Keys<'de>,
    key: &'a str,
}

impl<'de> serde::de::DeserializeSeed<'de> for Setting<'_, 'de> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Setting<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a setting's value")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.config.swap_setting(self.holder, self.key);
        self.keys.last_swapped();
        self.config.set_from(self.key, d).map(|_| ())
    }
}

/// A validated CreateFunction request.
#[derive(Debug, Clone)]
pub struct CreateFunctionInput {
    /// The package (app); `default` when absent.
    pub package: PackageName,
    /// The name.
    pub name: FunctionName,
    /// The configuration.
    pub config: FunctionConfig,
    /// The code.
    pub code: CodeInput,
}

impl FunctionBody {
    /// Applies CreateFunction's rules.
    pub fn parse_create(self, limits: &LimitsConfig) -> Result<CreateFunctionInput, ApiError> {
        let name = required(
            "func_name",
            self.func_name.as_deref(),
            ErrorCode::InvalidFunctionName,
        )?;
        let name = FunctionName::parse(name)
            .map_err(|e| err(ErrorCode::InvalidFunctionName, e.to_string()))?;
        let package = match self.package.as_deref() {
            None | Some("") => PackageName::default_package(),
            Some(p) => {
                PackageName::parse(p).map_err(|e| err(ErrorCode::InvalidPackage, e.to_string()))?
            }
        };
        let code = parse_code(
            self.code_type.as_deref(),
            self.func_code.as_ref().and_then(|c| c.file.as_deref()),
            self.code_url.as_deref(),
            self.code_filename.as_deref(),
            self.settings.get("custom_image"),
            limits,
        )?;
        let config = self.parse_config(None)?;
        Ok(CreateFunctionInput {
            package,
            name,
            config,
            code,
        })
    }

    /// The configuration settings, laid over `current` for an update (omitted settings
    /// keep their values) or over the service's defaults at create.
    pub fn parse_config(
        &self,
        current: Option<&FunctionConfig>,
    ) -> Result<FunctionConfig, ApiError> {
        FunctionConfig::parse(&self.settings, current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Digest, encode_code};
    use serde_json::json;

    fn body_json() -> Value {
        serde_json::json!({
            "func_name": "hello", "runtime": "Python3.9", "timeout": 30,
            "handler": "index.handler", "memory_size": 128, "code_type": "inline",
            "func_code": {"file": encode_code(b"print(1)")},
        })
    }

    fn body() -> FunctionBody {
        serde_json::from_value(body_json()).unwrap()
    }

    fn code_of(r: Result<CreateFunctionInput, ApiError>) -> &'static str {
        r.map(|_| "ok").unwrap_or_else(|e| e.code().code())
    }

    #[test]
    fn create_rules_give_their_codes() {
        let limits = LimitsConfig::default();
        assert_eq!(code_of(body().parse_create(&limits)), "ok");
        // (what, key, new value or null to remove it, expected code)
        let cases: Vec<(&str, &str, Value, &str)> = vec![
            ("no name", "func_name", Value::Null, "FSS.1002"),
            ("bad name", "func_name", "1x".into(), "FSS.1002"),
            ("bad package", "package", "a:b".into(), "FSS.1004"),
            ("bad runtime", "runtime", "Cobol".into(), "FSS.1005"),
            ("no runtime", "runtime", Value::Null, "FSS.1005"),
            ("bad memory", "memory_size", 100.into(), "FSS.1007"),
            ("bad timeout", "timeout", 259_201.into(), "FSS.1008"),
            ("bad handler", "handler", "index".into(), "FSS.1003"),
            ("bad code type", "code_type", "tar".into(), "FSS.1006"),
            ("no code type", "code_type", Value::Null, "FSS.1006"),
            (
                "bad base64",
                "func_code",
                serde_json::json!({"file": "***"}),
                "FSS.1011",
            ),
            (
                "inline too big",
                "func_code",
                serde_json::json!({"file": encode_code(&[b'x'; 10 * 1024 + 1])}),
                "FSS.1072",
            ),
            (
                "long description",
                "description",
                "x".repeat(513).into(),
                "FSS.1019",
            ),
            ("bad user_data", "user_data", "[1]".into(), "FSS.1009"),
            ("bad type", "type", "v3".into(), "FSS.0400"),
            ("bad vpc", "func_vpc", 1.into(), "FSS.0400"),
        ];
        for (what, key, value, expected) in cases {
            let mut b = body_json();
            match value {
                Value::Null => b.as_object_mut().unwrap().remove(key),
                v => b.as_object_mut().unwrap().insert(key.to_owned(), v),
            };
            let b: FunctionBody = serde_json::from_value(b).unwrap();
            assert_eq!(code_of(b.parse_create(&limits)), expected, "{what}");
        }
        let mut zip = body_json();
        zip["code_type"] = "zip".into();
        zip.as_object_mut().unwrap().remove("func_code");
        let zip: FunctionBody = serde_json::from_value(zip).unwrap();
        assert_eq!(
            code_of(zip.parse_create(&limits)),
            "FSS.1012",
            "zip without code"
        );
    }

    #[test]
    fn inline_code_is_decoded_and_digested() {
        let input = body().parse_create(&LimitsConfig::default()).unwrap();
        assert_eq!(&input.code.bytes[..], b"print(1)");
        assert_eq!(input.code.digest, Digest::of(b"print(1)"));
        assert_eq!(input.config.func_type.as_str(), "v2");
        assert_eq!(input.config.strategy_config.concurrency, -1);
    }

    /// What reading `text` as `T` gives: the value's debug form, or the error as the
    /// plain read and as `serde_path_to_error` (what `read_json` reports) give it.
    fn outcome<T: serde::de::DeserializeOwned + std::fmt::Debug>(
        text: &str,
        wrap: impl Fn(T) -> FunctionBody,
    ) -> String {
        let plain = serde_json::from_str::<T>(text).map(|v| format!("{:?}", wrap(v)));
        let mut de = serde_json::Deserializer::from_str(text);
        let tracked = serde_path_to_error::deserialize::<_, T>(&mut de)
            .map(|v| format!("{:?}", wrap(v)))
            .map_err(|e| format!("{} @ {}", e.inner(), e.path()));
        format!("{plain:?} / {tracked:?}")
    }

    #[test]
    fn reading_directly_agrees_with_the_derive() {
        let bodies = [
            r#"{}"#,
            r#"{"func_name":"f","package":"p","code_type":"inline","code_url":"u","code_filename":"i.py","func_code":{"file":"eA==","link":""},"runtime":"Python3.9","memory_size":128}"#,
            r#"{"runtime":"Python3.9","handler":"index.handler","memory_size":256,"timeout":30,"description":"d1"}"#,
            r#"{"func_name":null,"func_code":null,"user_data":"{\"a\":1}","func_vpc":{"vpc_id":"v"},"x":[1,{"y":null}],"x":2}"#,
            r#"{"func\u005fname":"escaped key","memory_size":1e3,"timeout":-1,"big":18446744073709551616}"#,
            // Wrong types, duplicates, bad nesting, syntax errors, not an object.
            r#"{"func_name":5}"#,
            r#"{"package":["p"]}"#,
            r#"{"func_code":"eA=="}"#,
            r#"{"func_code":{"file":7}}"#,
            r#"{"func_code":{"file":"a","file":"b"}}"#,
            r#"{"func_name":"a","func_name":"b"}"#,
            r#"{"code_type":"zip","runtime":"Python3.9","code_type":"inline"}"#,
            r#"{"runtime":"Python3.9","memory_size":}"#,
            r#"{"runtime":"Python3.9""#,
            r#"{"a":1e400}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"func_name":"f",}"#,
            r#"[1,2]"#,
            r#""text""#,
            r#"null"#,
            r#"{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#,
        ];
        for text in bodies {
            let derived = outcome::<FunctionBody>(text, |b| b);
            let direct = outcome::<FunctionBodyDirect>(text, |b| b.0);
            assert_eq!(direct, derived, "{text}");
        }
    }

    #[test]
    fn the_direct_reader_knows_every_field_the_derive_has() {
        // A field added to FunctionBody and not to BODY_FIELDS would be read into the
        // settings map instead: the schema (from the same struct) lists the fields.
        use utoipa::PartialSchema as _;
        let schema = serde_json::to_value(FunctionBody::schema()).unwrap();
        fn properties(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::Object(p)) = m.get("properties") {
                        out.extend(p.keys().cloned());
                    }
                    m.values().for_each(|v| properties(v, out));
                }
                Value::Array(a) => a.iter().for_each(|v| properties(v, out)),
                _ => {}
            }
        }
        let mut named = Vec::new();
        properties(&schema, &mut named);
        named.sort();
        named.dedup();
        // func_code's own members are properties too.
        named.retain(|k| k != "file" && k != "link");
        let mut known: Vec<String> = BODY_FIELDS.iter().map(|f| f.to_string()).collect();
        known.sort();
        assert_eq!(named, known, "{schema}");
    }

    /// What update config answers the usual way: the body read into a [`FunctionBody`],
    /// its `func_name` checked against the URN's function `f`, its settings laid over
    /// `current`. `Err` when any of that refuses.
    fn the_usual_way(current: &FunctionConfig, text: &str) -> Result<FunctionConfig, String> {
        let FunctionBodyDirect(body) =
            serde_json::from_str(text).map_err(|e| format!("body: {e}"))?;
        if body.func_name.as_deref().is_some_and(|n| n != "f") {
            return Err("renamed".into());
        }
        body.parse_config(Some(current))
            .map_err(|e| e.message().to_owned())
    }

    /// [`patch_config`] answers only where the usual way succeeds, and then with the same
    /// configuration; it leaves the rest (every error) to the usual way.
    #[test]
    fn patching_from_the_body_agrees_with_the_usual_way() {
        let settings = |v: Value| v.as_object().unwrap().clone();
        let base = json!({"runtime": "Python3.9", "handler": "index.handler",
            "memory_size": 256, "timeout": 30, "description": "d",
            "user_data": "{\"A\":\"b\"}"});
        let mut v1 = base.clone();
        v1["type"] = "v1".into();
        let mut hooked = base.clone();
        hooked["pre_stop_handler"] = "stop.handler".into();
        hooked["pre_stop_timeout"] = 20.into();
        hooked["strategy_config"] = json!({"concurrency": 5, "concurrent_num": 2});
        let currents: Vec<FunctionConfig> = [base, v1, hooked]
            .into_iter()
            .map(|c| FunctionConfig::parse(&settings(c), None).unwrap())
            .collect();
        // (key, value): good values, bad ones, wrong types, nulls, non-settings.
        let candidates: Vec<(&str, Value)> = vec![
            ("runtime", "Node.js18.15".into()),
            ("runtime", "Cobol".into()),
            ("runtime", 5.into()),
            ("handler", "main.handler".into()),
            ("handler", "nodot".into()),
            ("memory_size", 512.into()),
            ("memory_size", 100.into()),
            ("memory_size", "512".into()),
            ("memory_size", Value::Null),
            ("timeout", 60.into()),
            ("timeout", 0.into()),
            ("description", "quote \" and \\ and \u{1}".into()),
            ("description", "x".repeat(513).into()),
            ("user_data", "{\"K\":\"v\"}".into()),
            ("user_data", "[1]".into()),
            ("type", "v1".into()),
            ("type", "v3".into()),
            ("strategy_config", json!({"concurrency": 3})),
            ("func_vpc", json!({"vpc_id": "v", "subnet_id": "s"})),
            ("func_vpc", 1.into()),
            ("pre_stop_handler", "s.h".into()),
            ("pre_stop_handler", "".into()),
            ("pre_stop_timeout", 20.into()),
            ("gpu_memory", 1024.into()),
            ("lts_custom_tag", json!({"k": "v"})),
            ("restore_hook_timeout", 5.into()),
            ("enable_lts_log", true.into()),
            ("enable_lts_log", "yes".into()),
            ("not_a_setting", json!([1, {"a": [null]}])),
            ("func_name", "f".into()),
            ("func_name", "g".into()),
            ("func_name", 5.into()),
            ("func_name", Value::Null),
            ("package", "p".into()),
            ("package", 5.into()),
            ("code_type", "inline".into()),
        ];
        let mut texts = vec![
            "{}".to_owned(),
            r#"{"memory_size":512,"memory_size":null}"#.to_owned(),
            r#"{"memory_size":512,"memory_size":1024}"#.to_owned(),
            r#"{"memory_size":100,"memory_size":1024}"#.to_owned(),
            r#"{"memory\u005fsize":512}"#.to_owned(),
            r#"{"func_name":"\u0066"}"#.to_owned(),
            r#"{"timeout":31} x"#.to_owned(),
            r#"{"timeout":31,}"#.to_owned(),
            r#"[{"timeout":31}]"#.to_owned(),
            r#" {"timeout" : 31 } "#.to_owned(),
        ];
        for (i, (k1, v1)) in candidates.iter().enumerate() {
            texts.push(json!({ *k1: v1 }).to_string());
            for (k2, v2) in &candidates[i + 1..] {
                texts.push(json!({ *k1: v1, *k2: v2 }).to_string());
            }
        }
        let (mut direct, mut usual_only, mut refused_in_place) = (0, 0, 0);
        for current in &currents {
            for text in &texts {
                let usual = the_usual_way(current, text);
                match (patch_config(current, text.as_bytes(), "f"), &usual) {
                    (Some(patched), Ok(expected)) => {
                        assert_eq!(&patched, expected, "{text}");
                        direct += 1;
                    }
                    (Some(patched), Err(e)) => {
                        panic!("{text}: patched to {patched:?}, but the usual way says {e}")
                    }
                    (None, Ok(_)) => usual_only += 1,
                    (None, Err(_)) => {}
                }
                // In place: the same answer, and a body it refuses leaves every setting as
                // it was, however far it read (the swap back).
                let mut in_place = current.clone();
                if patch_config_in_place(&mut in_place, text.as_bytes(), "f") {
                    assert_eq!(Ok(&in_place), usual.as_ref(), "{text}");
                } else {
                    assert_eq!(&in_place, current, "{text}: refused, yet changed");
                    refused_in_place += 1;
                }
            }
        }
        assert!(refused_in_place > 0);
        // Not vacuous, and most good bodies take the direct way (the rest give
        // strategy_config, a code field, or a key twice or escaped).
        assert!(
            direct * 4 > texts.len() * 3,
            "{direct} direct of {}",
            texts.len() * 3
        );
        assert!(
            usual_only * 3 < direct,
            "{usual_only} left to the usual way, {direct} direct"
        );
    }
}
