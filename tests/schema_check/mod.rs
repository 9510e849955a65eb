//! A validator for the part of JSON Schema (draft 2020-12) that the files in
//! schema/ use, made strict so that the schemas cannot drift from the output:
//!
//! - An object schema that lists `properties` is closed: every key of the
//!   instance must be declared by it, or by a schema applied to the same
//!   value through `$ref`, `allOf` or the matching `oneOf` branch (as if
//!   `unevaluatedProperties: false` stood where the value is reached). An
//!   `additionalProperties` schema opens it (`false` keeps it closed to
//!   keys matched by neither `properties` nor `patternProperties`); an
//!   object schema without `properties` is free-form.
//! - `unevaluatedProperties` (only `false`) closes an object where it
//!   stands: a key that no keyword of that schema object or of the schemas
//!   it applies in place declared fails there. Inside a `oneOf` branch this
//!   makes the branch fail, so branches of alike shape (the request and the
//!   response body of one command) are told apart by their keys.
//! - A keyword it does not know fails the check instead of being ignored, so
//!   a schema that starts using another keyword must teach it here.
//! - Arrays: `items` (after `prefixItems`), `prefixItems`, `minItems`,
//!   `maxItems`.
//! - `format: date-time` is asserted (RFC 3339), not only an annotation.
//!
//! Errors name the JSON pointer of the offending value and the schema path.

#![allow(dead_code)]

use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// Keywords that assert nothing.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "$defs",
    "$comment",
    "title",
    "description",
    "examples",
    "default",
];

pub struct Schemas {
    /// By file name, e.g. "report.schema.json" (what a `$ref` names).
    files: HashMap<String, Value>,
}

#[derive(Debug, Clone)]
pub struct Error {
    /// JSON pointer of the offending value in the instance ("" is the root).
    pub pointer: String,
    /// Where the failed keyword is, e.g. report.schema.json#/$defs/session/properties/outcome.
    pub schema: String,
    pub message: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = if self.pointer.is_empty() {
            "(root)"
        } else {
            &self.pointer
        };
        write!(f, "at {p}: {} [schema {}]", self.message, self.schema)
    }
}

/// What the schemas applied in place to one value declared of its keys.
#[derive(Default)]
struct Eval {
    /// Instance keys some applied schema declared (or validated through
    /// `additionalProperties`).
    keys: BTreeSet<String>,
    /// Some applied schema listed `properties`.
    closed: bool,
}

impl Schemas {
    /// Every *.schema.json in `dir`.
    pub fn load(dir: &Path) -> Schemas {
        let mut files = HashMap::new();
        for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = e.expect("schema dir entry").path();
            let name = p
                .file_name()
                .and_then(|n| n.to_str())
                .expect("file name")
                .to_string();
            if !name.ends_with(".schema.json") {
                continue;
            }
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let v: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", p.display()));
            files.insert(name, v);
        }
        Schemas { files }
    }

    pub fn from_values(files: &[(&str, Value)]) -> Schemas {
        Schemas {
            files: files
                .iter()
                .map(|(n, v)| (n.to_string(), v.clone()))
                .collect(),
        }
    }

    /// Validates `inst` against the schema at `reference`: "FILE" or
    /// "FILE#/json/pointer". Returns every error found.
    pub fn validate(&self, reference: &str, inst: &Value) -> Vec<Error> {
        let (file, schema, path) = self.resolve("", reference);
        let mut errors = Vec::new();
        self.at_location(file, schema, &path, inst, "", &mut errors);
        errors
    }

    fn resolve<'a>(&'a self, current: &'a str, reference: &str) -> (&'a str, &'a Value, String) {
        let (file, fragment) = match reference.split_once('#') {
            Some((f, frag)) => (f, frag),
            None => (reference, ""),
        };
        let file = if file.is_empty() { current } else { file };
        let (name, root) = self
            .files
            .get_key_value(file)
            .unwrap_or_else(|| panic!("$ref {reference}: no schema file {file}"));
        let schema = root
            .pointer(fragment)
            .unwrap_or_else(|| panic!("$ref {reference}: nothing at {fragment} in {file}"));
        (name.as_str(), schema, format!("{file}#{fragment}"))
    }

    /// Validates a value reached through `properties`, `items`,
    /// `additionalProperties` or as the root, then checks that a closed
    /// object has no undeclared key.
    fn at_location(
        &self,
        file: &str,
        schema: &Value,
        spath: &str,
        inst: &Value,
        ipath: &str,
        errors: &mut Vec<Error>,
    ) {
        let eval = self.apply(file, schema, spath, inst, ipath, errors);
        if let (true, Some(obj)) = (eval.closed, inst.as_object()) {
            for k in obj.keys().filter(|k| !eval.keys.contains(*k)) {
                errors.push(Error {
                    pointer: format!("{ipath}/{}", escape(k)),
                    schema: spath.to_string(),
                    message: format!("key {k:?} is not declared in the schema"),
                });
            }
        }
    }

    /// Applies one schema to one value: its assertions, and in place the
    /// subschemas of `$ref`, `allOf` and `oneOf`.
    fn apply(
        &self,
        file: &str,
        schema: &Value,
        spath: &str,
        inst: &Value,
        ipath: &str,
        errors: &mut Vec<Error>,
    ) -> Eval {
        let mut eval = Eval::default();
        let s = match schema {
            Value::Bool(true) => return eval,
            Value::Bool(false) => {
                errors.push(err(ipath, spath, "the schema `false` allows no value"));
                return eval;
            }
            Value::Object(s) => s,
            _ => panic!("{spath}: a schema must be an object or a boolean"),
        };
        let fail = |errors: &mut Vec<Error>, kw: &str, msg: String| {
            errors.push(Error {
                pointer: ipath.to_string(),
                schema: format!("{spath}/{kw}"),
                message: msg,
            })
        };
        for (kw, arg) in s {
            match kw.as_str() {
                k if ANNOTATIONS.contains(&k) => {}
                "type" => {
                    let allowed: Vec<&str> = match arg {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(ts) => ts.iter().map(|t| t.as_str().expect("type")).collect(),
                        _ => panic!("{spath}/type: not a string or array"),
                    };
                    if !allowed.iter().any(|t| has_type(inst, t)) {
                        fail(
                            errors,
                            kw,
                            format!("{} is not of type {}", short(inst), allowed.join(" or ")),
                        );
                    }
                }
                "const" => {
                    if !json_eq(inst, arg) {
                        fail(
                            errors,
                            kw,
                            format!("{} is not the constant {arg}", short(inst)),
                        );
                    }
                }
                "enum" => {
                    let vals = arg.as_array().expect("enum array");
                    if !vals.iter().any(|v| json_eq(inst, v)) {
                        fail(errors, kw, format!("{} is not one of {arg}", short(inst)));
                    }
                }
                "required" => {
                    if let Some(obj) = inst.as_object() {
                        for r in arg.as_array().expect("required array") {
                            let r = r.as_str().expect("required name");
                            if !obj.contains_key(r) {
                                fail(errors, kw, format!("required key {r:?} is missing"));
                            }
                        }
                    }
                }
                "properties" | "patternProperties" => {
                    let named = kw == "properties";
                    eval.closed |= named;
                    let subs = arg.as_object().expect("properties object");
                    let Some(obj) = inst.as_object() else {
                        continue;
                    };
                    for (key, sub) in subs {
                        // A property's name, or a pattern for names.
                        let rx = (!named).then(|| Regex::new(key, &format!("{spath}/{kw}")));
                        let matches = |k: &str| rx.as_ref().map_or(k == key, |r| r.is_match(k));
                        for (k, v) in obj.iter().filter(|(k, _)| matches(k)) {
                            eval.keys.insert(k.clone());
                            self.at_location(
                                file,
                                sub,
                                &format!("{spath}/{kw}/{}", escape(key)),
                                v,
                                &format!("{ipath}/{}", escape(k)),
                                errors,
                            );
                        }
                    }
                }
                "unevaluatedProperties" => {
                    // Checked after the other keywords of this schema object.
                    assert!(
                        *arg == Value::Bool(false),
                        "{spath}/unevaluatedProperties: only `false` is supported by this validator"
                    );
                }
                "additionalProperties" => {
                    let declared = s.get("properties").and_then(Value::as_object);
                    let patterns: Vec<Regex> = s
                        .get("patternProperties")
                        .and_then(Value::as_object)
                        .map(|p| {
                            p.keys()
                                .map(|re| Regex::new(re, &format!("{spath}/patternProperties")))
                                .collect()
                        })
                        .unwrap_or_default();
                    if let Some(obj) = inst.as_object() {
                        for (k, v) in obj {
                            if declared.is_some_and(|d| d.contains_key(k))
                                || patterns.iter().any(|rx| rx.is_match(k))
                            {
                                continue;
                            }
                            eval.keys.insert(k.clone());
                            self.at_location(
                                file,
                                arg,
                                &format!("{spath}/additionalProperties"),
                                v,
                                &format!("{ipath}/{}", escape(k)),
                                errors,
                            );
                        }
                    }
                }
                "prefixItems" => {
                    let subs = arg.as_array().expect("prefixItems array");
                    if let Some(a) = inst.as_array() {
                        for (i, (v, sub)) in a.iter().zip(subs).enumerate() {
                            self.at_location(
                                file,
                                sub,
                                &format!("{spath}/prefixItems/{i}"),
                                v,
                                &format!("{ipath}/{i}"),
                                errors,
                            );
                        }
                    }
                }
                "minItems" | "maxItems" => {
                    let bound = arg.as_u64().expect("item count bound") as usize;
                    if let Some(a) = inst.as_array() {
                        let ok = if kw == "minItems" {
                            a.len() >= bound
                        } else {
                            a.len() <= bound
                        };
                        if !ok {
                            fail(
                                errors,
                                kw,
                                format!("{} items are not within {kw} {bound}", a.len()),
                            );
                        }
                    }
                }
                "items" => {
                    // After the elements `prefixItems` covers.
                    let first = s
                        .get("prefixItems")
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len);
                    if let Some(a) = inst.as_array() {
                        for (i, v) in a.iter().enumerate().skip(first) {
                            self.at_location(
                                file,
                                arg,
                                &format!("{spath}/items"),
                                v,
                                &format!("{ipath}/{i}"),
                                errors,
                            );
                        }
                    }
                }
                "minimum" | "maximum" => {
                    let bound = arg.as_f64().expect("numeric bound");
                    if let Some(x) = inst.as_f64() {
                        let ok = if kw == "minimum" {
                            x >= bound
                        } else {
                            x <= bound
                        };
                        if !ok {
                            fail(errors, kw, format!("{x} is not within {kw} {arg}"));
                        }
                    }
                }
                "pattern" => {
                    let re = arg.as_str().expect("pattern string");
                    if let Some(t) = inst.as_str() {
                        if !Regex::new(re, spath).is_match(t) {
                            fail(errors, kw, format!("{t:?} does not match /{re}/"));
                        }
                    }
                }
                "format" => match arg.as_str() {
                    Some("date-time") => {
                        if let Some(t) = inst.as_str() {
                            if !is_date_time(t) {
                                fail(errors, kw, format!("{t:?} is not an RFC 3339 date-time"));
                            }
                        }
                    }
                    _ => panic!("{spath}/format: {arg} is not supported by this validator"),
                },
                "$ref" => {
                    let r = arg.as_str().expect("$ref string");
                    let (f, sub, p) = self.resolve(file, r);
                    let e = self.apply(f, sub, &p, inst, ipath, errors);
                    eval.merge(e);
                }
                "allOf" => {
                    for (i, sub) in arg.as_array().expect("allOf array").iter().enumerate() {
                        let e = self.apply(
                            file,
                            sub,
                            &format!("{spath}/allOf/{i}"),
                            inst,
                            ipath,
                            errors,
                        );
                        eval.merge(e);
                    }
                }
                "oneOf" => {
                    let branches = arg.as_array().expect("oneOf array");
                    let mut valid = Vec::new();
                    let mut failed = Vec::new();
                    for (i, sub) in branches.iter().enumerate() {
                        let mut errs = Vec::new();
                        let e = self.apply(
                            file,
                            sub,
                            &format!("{spath}/oneOf/{i}"),
                            inst,
                            ipath,
                            &mut errs,
                        );
                        if errs.is_empty() {
                            valid.push((i, e));
                        } else {
                            failed.push((i, errs));
                        }
                    }
                    match valid.len() {
                        1 => eval.merge(valid.pop().expect("one").1),
                        0 => {
                            // The closest branch: fewest errors of shape,
                            // then fewest errors.
                            let (i, errs) = failed
                                .into_iter()
                                .min_by_key(|(_, errs)| {
                                    // A branch of another shape fails at this
                                    // value itself (type, required) or on the
                                    // constant of one of its keys.
                                    let shape = errs
                                        .iter()
                                        .filter(|e| {
                                            e.pointer == ipath
                                                || (e.schema.ends_with("/const")
                                                    && e.pointer[ipath.len()..]
                                                        .matches('/')
                                                        .count()
                                                        == 1)
                                        })
                                        .count();
                                    (shape, errs.len())
                                })
                                .expect("oneOf has branches");
                            fail(
                                errors,
                                kw,
                                format!("matches no branch of oneOf; the closest, #{i}, fails:"),
                            );
                            errors.extend(errs);
                        }
                        _ => fail(
                            errors,
                            kw,
                            format!(
                                "matches several branches of oneOf: {:?}",
                                valid.iter().map(|v| v.0).collect::<Vec<_>>()
                            ),
                        ),
                    }
                }
                other => panic!("{spath}: keyword {other:?} is not supported by this validator"),
            }
        }
        if s.contains_key("unevaluatedProperties") {
            if let Some(obj) = inst.as_object() {
                for k in obj.keys() {
                    if eval.keys.insert(k.clone()) {
                        errors.push(Error {
                            pointer: format!("{ipath}/{}", escape(k)),
                            schema: format!("{spath}/unevaluatedProperties"),
                            message: format!("key {k:?} is not declared in the schema"),
                        });
                    }
                }
            }
        }
        eval
    }
}

impl Eval {
    fn merge(&mut self, o: Eval) {
        self.closed |= o.closed;
        self.keys.extend(o.keys);
    }
}

fn err(ipath: &str, spath: &str, msg: &str) -> Error {
    Error {
        pointer: ipath.to_string(),
        schema: spath.to_string(),
        message: msg.to_string(),
    }
}

/// RFC 6901 escaping of one pointer token.
fn escape(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

fn has_type(v: &Value, t: &str) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => panic!("type {t:?} is not a JSON Schema type"),
    }
}

/// JSON equality where 1 and 1.0 are the same number.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || (x.as_f64().is_some() && x.as_f64() == y.as_f64())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// RFC 3339 date-time: 2024-01-02T03:04:05(.frac)?(Z|+hh:mm|-hh:mm).
fn is_date_time(t: &str) -> bool {
    let b = t.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if !(digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(b.get(10), Some(b'T' | b't'))
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19))
    {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len() && digits(i + 1..i + 3) && b[i + 3] == b':' && digits(i + 4..i + 6)
        }
        _ => false,
    }
}

/// The regular expressions the schemas' `pattern`s use: branches split by
/// `|` at the top level (`^0x0$|^0x[1-9a-f][0-9a-f]*$`; no groups), each of
/// literals, `\` escapes, `.`, classes `[a-z0-9_]` (with `^` negation), the
/// quantifiers `* + ? {n} {n,} {n,m}` and the anchors `^` `$`. Anything
/// else panics.
struct Regex {
    branches: Vec<Branch>,
}

/// One branch of a [`Regex`]: a sequence of quantified atoms.
struct Branch {
    atoms: Vec<(Atom, usize, usize)>,
    start: bool,
    end: bool,
}

enum Atom {
    Lit(char),
    Any,
    Class(Vec<(char, char)>, bool),
}

impl Atom {
    fn matches(&self, c: char) -> bool {
        match self {
            Atom::Lit(l) => *l == c,
            Atom::Any => c != '\n',
            Atom::Class(ranges, negated) => {
                ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
            }
        }
    }
}

impl Regex {
    fn new(re: &str, spath: &str) -> Regex {
        // Split at each `|` outside a class and not escaped.
        let (mut branches, mut from, mut in_class, mut escaped) = (Vec::new(), 0, false, false);
        for (i, c) in re.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '[' => in_class = true,
                ']' => in_class = false,
                '|' if !in_class => {
                    branches.push(Branch::new(&re[from..i], re, spath));
                    from = i + 1;
                }
                _ => {}
            }
        }
        branches.push(Branch::new(&re[from..], re, spath));
        Regex { branches }
    }

    fn is_match(&self, t: &str) -> bool {
        self.branches.iter().any(|b| b.is_match(t))
    }
}

impl Branch {
    /// One branch `re` of the whole pattern `whole`.
    fn new(re: &str, whole: &str, spath: &str) -> Branch {
        let unsupported = |what: &str| -> ! {
            panic!("{spath}/pattern /{whole}/: {what} is not supported by this validator")
        };
        let mut cs: Vec<char> = re.chars().collect();
        let start = cs.first() == Some(&'^');
        if start {
            cs.remove(0);
        }
        let end = cs.last() == Some(&'$') && !(cs.len() >= 2 && cs[cs.len() - 2] == '\\');
        if end {
            cs.pop();
        }
        let mut atoms = Vec::new();
        let mut i = 0;
        while i < cs.len() {
            let atom = match cs[i] {
                '\\' => {
                    i += 1;
                    match cs.get(i) {
                        Some(c) if c.is_ascii_punctuation() => Atom::Lit(*c),
                        _ => unsupported("this escape"),
                    }
                }
                '.' => Atom::Any,
                '[' => {
                    i += 1;
                    let negated = cs.get(i) == Some(&'^');
                    if negated {
                        i += 1;
                    }
                    let mut ranges = Vec::new();
                    loop {
                        let c = match cs.get(i) {
                            None => unsupported("an unclosed class"),
                            Some(']') => break,
                            Some('\\') => {
                                i += 1;
                                match cs.get(i) {
                                    Some(c) if c.is_ascii_punctuation() => *c,
                                    _ => unsupported("this escape in a class"),
                                }
                            }
                            Some(c) => *c,
                        };
                        if cs.get(i + 1) == Some(&'-') && cs.get(i + 2).is_some_and(|c| *c != ']') {
                            ranges.push((c, cs[i + 2]));
                            i += 3;
                        } else {
                            ranges.push((c, c));
                            i += 1;
                        }
                    }
                    Atom::Class(ranges, negated)
                }
                '(' | ')' | '|' | '^' | '$' | '*' | '+' | '?' | '{' => {
                    unsupported(&format!("{:?} here", cs[i]))
                }
                c => Atom::Lit(c),
            };
            i += 1;
            let (min, max) = match cs.get(i) {
                Some('*') => (0, usize::MAX),
                Some('+') => (1, usize::MAX),
                Some('?') => (0, 1),
                Some('{') => {
                    let close = cs[i..]
                        .iter()
                        .position(|c| *c == '}')
                        .unwrap_or_else(|| unsupported("an unclosed {"));
                    let inner: String = cs[i + 1..i + close].iter().collect();
                    let num = |s: &str| -> usize {
                        s.parse().unwrap_or_else(|_| unsupported("this repetition"))
                    };
                    let r = match inner.split_once(',') {
                        None => (num(&inner), num(&inner)),
                        Some((a, "")) => (num(a), usize::MAX),
                        Some((a, b)) => (num(a), num(b)),
                    };
                    i += close;
                    r
                }
                _ => {
                    i -= 1;
                    (1, 1)
                }
            };
            i += 1;
            atoms.push((atom, min, max));
        }
        Branch { atoms, start, end }
    }

    fn is_match(&self, t: &str) -> bool {
        let cs: Vec<char> = t.chars().collect();
        let starts = if self.start { 0..=0 } else { 0..=cs.len() };
        starts.into_iter().any(|s| self.match_at(&cs, s, 0))
    }

    fn match_at(&self, cs: &[char], pos: usize, atom: usize) -> bool {
        let Some((a, min, max)) = self.atoms.get(atom) else {
            return !self.end || pos == cs.len();
        };
        // Greedy, then backtrack.
        let mut n = 0;
        while n < *max && pos + n < cs.len() && a.matches(cs[pos + n]) {
            n += 1;
        }
        loop {
            if n >= *min && self.match_at(cs, pos + n, atom + 1) {
                return true;
            }
            if n == 0 || n <= *min {
                return false;
            }
            n -= 1;
        }
    }
}
