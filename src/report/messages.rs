//! `smbscope messages`: every message of a capture, as a table, a JSON
//! document or JSON Lines (keys documented in README.md and
//! schema/messages.schema.json).
//!
//! In JSON output a request carries `response_frame` and `response_time` when
//! its response arrives within [`WINDOW`] messages and [`WINDOW_SECS`] seconds
//! of capture time: lines are held back that long, never longer, so memory
//! stays bounded and output keeps streaming.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::{self, Write};

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use super::fastfmt;
use super::{Format, SCHEMA_VERSION};
use crate::capture::{DateCache, Timestamp};
use crate::ntstatus::NtStatus;
use crate::pipeline::{Decoded, Event, Kind, Message, Outcome, Stats};
use crate::tcp::GapReason;
use std::net::SocketAddr;

/// With the `bench-stages` feature (scripts/bench.sh --stages only):
/// `SMBSCOPE_BENCH_STAGE=pipeline` makes `messages` drop each message as it
/// comes out of the pipeline (capture, net, tcp, framing, pairing), and
/// `decode` drops it once its body and security blob are decoded, so that
/// the cost of each stage can be measured on its own.
#[cfg(feature = "bench-stages")]
mod bench_stage {
    use std::sync::OnceLock;

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum Stage {
        Pipeline,
        Decode,
    }

    /// Whether to stop after `stage`, as the environment asks.
    pub fn stop(stage: Stage) -> bool {
        static ASKED: OnceLock<Option<Stage>> = OnceLock::new();
        let asked = ASKED.get_or_init(|| match std::env::var("SMBSCOPE_BENCH_STAGE").as_deref() {
            Ok("pipeline") => Some(Stage::Pipeline),
            Ok("decode") => Some(Stage::Decode),
            _ => None,
        });
        *asked == Some(stage)
    }
}

/// Messages a request line may wait for its response.
pub const WINDOW: usize = 4096;
/// Capture seconds a request line may wait for its response.
pub const WINDOW_SECS: i64 = 5;

/// The name of a Kerberos message from its APPLICATION tag (RFC 4120 5.10).
pub fn kerberos_msg_name(first_byte: Option<u8>) -> Option<&'static str> {
    Some(match first_byte? {
        0x6a => "AS-REQ",
        0x6b => "AS-REP",
        0x6c => "TGS-REQ",
        0x6d => "TGS-REP",
        0x6e => "AP-REQ",
        0x6f => "AP-REP",
        0x7e => "KRB-ERROR",
        _ => return None,
    })
}

/// The command of a message as the `command` key shows it, borrowed when it
/// is a known name (no allocation per message).
pub fn command_str(msg: &Message<'_>, dec: &Decoded) -> Option<Cow<'static, str>> {
    match msg.kind {
        Kind::Smb2 => msg.header.map(|h| match h.command.name() {
            Some(n) => Cow::Borrowed(n),
            None => Cow::Owned(h.command.to_string()),
        }),
        Kind::Smb1 => dec.smb1.as_ref().map(|s| match s.command.name() {
            Some(n) => Cow::Borrowed(n),
            None => Cow::Owned(s.command.to_string()),
        }),
        Kind::Netbios => msg.netbios.map(|n| {
            n.name()
                .map_or_else(|| Cow::Owned(format!("0x{:02x}", n.0)), Cow::Borrowed)
        }),
        Kind::Kerberos => kerberos_msg_name(msg.bytes.first().copied()).map(Cow::Borrowed),
        Kind::Smb2Transform | Kind::Smb2Compressed => None,
    }
}

/// The status of a response as sent (`status_code`): SMB2 header Status,
/// or the SMB1 header's Status, an NTSTATUS or the DOS form's 4 bytes
/// ([MS-CIFS] 2.2.3.1), read as a little-endian number.
pub fn status_of(msg: &Message<'_>) -> Option<u32> {
    status_form_of(msg).map(|(code, _)| code)
}

/// [`status_of`], and whether it is an NTSTATUS (SMB2; SMB1 with
/// SMB_FLAGS2_NT_STATUS) rather than an SMB1 DOS-form ErrorClass/ErrorCode.
fn status_form_of(msg: &Message<'_>) -> Option<(u32, bool)> {
    if !msg.is_response() {
        return None;
    }
    match (msg.header, msg.smb1) {
        (Some(h), _) => Some((h.status, true)),
        (None, Some(s)) => Some((s.status, s.nt_status)),
        _ => None,
    }
}

/// The status of a response read by its form: an NTSTATUS, or an SMB1
/// DOS-form error as [`NtStatus::dos`] keeps it, never taken for an
/// NTSTATUS (for the session model and its timeline).
pub fn read_status_of(msg: &Message<'_>) -> Option<NtStatus> {
    status_form_of(msg).map(|(code, nt)| NtStatus::from_smb1(code, nt))
}

/// The `status` name: an NTSTATUS's from the table ("0xC0001234" when it is
/// not there), a DOS-form error's from [MS-CIFS] 2.2.2.4
/// ("ERRDOS/ERRnoaccess", see [`crate::ntstatus::dos`]).
fn status_text(code: u32, nt: bool) -> Cow<'static, str> {
    if nt {
        return match crate::ntstatus::name(code) {
            Some(n) => Cow::Borrowed(n),
            None => Cow::Owned(format!("0x{code:08X}")),
        };
    }
    let st = NtStatus::from_smb1(code, false);
    match st.name() {
        Some(n) => Cow::Borrowed(n),
        None => Cow::Owned(st.to_string()),
    }
}

/// A message and its decoded contents, serialized with the documented keys.
pub struct MessageJson<'a> {
    pub msg: &'a Message<'a>,
    pub dec: &'a Decoded,
}

impl Serialize for MessageJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (m, d) = (self.msg, self.dec);
        let mut o = s.serialize_map(None)?;
        o.serialize_entry("frame", &m.frame)?;
        o.serialize_entry("time", &m.ts)?;
        o.serialize_entry("stream", &m.stream)?;
        o.serialize_entry("transport", &m.transport)?;
        o.serialize_entry("src", fastfmt::socket_addr(&m.src).as_str())?;
        o.serialize_entry("dst", fastfmt::socket_addr(&m.dst).as_str())?;
        o.serialize_entry("kind", m.kind.name())?;
        let command = command_str(m, d);
        if let Some(c) = &command {
            o.serialize_entry("command", c)?;
        }
        o.serialize_entry("response", &m.response())?;
        if let Some((code, nt)) = status_form_of(m) {
            o.serialize_entry("status", &status_text(code, nt))?;
            o.serialize_entry("status_code", &code)?;
        }
        if let Some(h) = &m.header {
            o.serialize_entry("message_id", &h.message_id)?;
            o.serialize_entry("session_id", &h.session_id)?;
            if let Some(t) = h.tree_id {
                o.serialize_entry("tree_id", &t)?;
            }
            if let Some(a) = h.async_id {
                o.serialize_entry("async", &true)?;
                o.serialize_entry("async_id", &a)?;
            }
            o.serialize_entry("credit_charge", &h.credit_charge)?;
            let credits_key = if h.is_response() {
                "credits_granted"
            } else {
                "credits_requested"
            };
            o.serialize_entry(credits_key, &h.credits)?;
            o.serialize_entry("flags", &h.flags)?;
            o.serialize_entry("signed", &h.is_signed())?;
            if m.chain_index > 0 || h.next_command != 0 {
                o.serialize_entry("chain_index", &m.chain_index)?;
            }
            if h.structure_size_wrong() {
                o.serialize_entry("header_structure_size", &h.structure_size)?;
            }
        } else if m.chain_index > 0 {
            // A chain member whose header the capture cut: its place in
            // the chain is known from the NextCommand before it.
            o.serialize_entry("chain_index", &m.chain_index)?;
        }
        if let Some(t) = &m.transform {
            if let Some(id) = t.session_id {
                o.serialize_entry("session_id", &id)?;
            }
            if let Some(n) = t.original_size {
                o.serialize_entry("original_size", &n)?;
            }
            if let Some(a) = t.algorithm {
                o.serialize_entry("compression_algorithm", &a)?;
            }
            if let Some(off) = t.offset {
                o.serialize_entry("compression_offset", &off)?;
            }
            if let Some(f) = t.flags {
                o.serialize_entry("transform_flags", &f)?;
            }
        }
        if let Some(r) = &m.request {
            o.serialize_entry("request_frame", &r.frame)?;
            o.serialize_entry("response_time", &secs(m.ts.nanos_since(r.ts)))?;
        }
        o.serialize_entry("length", &m.len)?;
        if (m.bytes.len() as u64) < u64::from(m.len) {
            o.serialize_entry("kept_bytes", &m.bytes.len())?;
        }
        if m.missing > 0 {
            o.serialize_entry("truncated", &true)?;
            o.serialize_entry("missing_bytes", &m.missing)?;
        }
        match (&d.body, &command) {
            (Some(Ok(b)), Some(c)) => o.serialize_entry(fastfmt::ascii_lowercase(c).as_str(), b)?,
            (Some(Err(e)), _) => o.serialize_entry("body_error", &e.to_string())?,
            _ => {}
        }
        if let Some(s1) = &d.smb1 {
            o.serialize_entry("smb1", s1)?;
        }
        match &d.auth {
            Some(Ok(a)) => o.serialize_entry("auth", a)?,
            Some(Err(e)) => o.serialize_entry("auth_error", e)?,
            None => {}
        }
        match &d.kerberos {
            Some(Ok(k)) => o.serialize_entry(
                "auth",
                &KerberosAuth {
                    mechanism: "kerberos",
                    kerberos: k,
                },
            )?,
            Some(Err(e)) => o.serialize_entry("auth_error", e)?,
            None => {}
        }
        match &d.netbios {
            // A session request cut before its first name's end: nothing.
            Some(Ok(n)) if n.is_empty() => {}
            Some(Ok(n)) => o.serialize_entry("netbios", n)?,
            Some(Err(e)) => o.serialize_entry("netbios_error", &e.to_string())?,
            None => {}
        }
        o.end()
    }
}

/// Appends the JSON of one message to `out`: the bytes `serde_json` writes
/// for [`MessageJson`] (checked on every message of every capture by
/// tests/differential.rs), without going through serde for the fixed keys.
///
/// The keys are literals without anything to escape, numbers go through
/// itoa, and only the nested values (body, `smb1`, `auth`, errors) are
/// serialized, each by [`super::json::to_vec`].
pub fn write_message_json(
    out: &mut Vec<u8>,
    m: &Message<'_>,
    d: &Decoded,
    cache: &mut LineCache,
) -> serde_json::Result<()> {
    write_message_start(out, m, d, cache)?;
    write_auth(out, &d.auth)?;
    write_message_end(out, d)
}

/// [`write_message_json`] of a message decoded by
/// [`Message::decode_without_blob`]: the JSON of its security blob `blob`
/// comes from [`LineCache`]'s blobs when it holds it.
fn write_message_line(
    out: &mut Vec<u8>,
    m: &Message<'_>,
    d: &Decoded,
    blob: Option<&[u8]>,
    cache: &mut LineCache,
) -> serde_json::Result<()> {
    write_message_start(out, m, d, cache)?;
    match blob {
        Some(b) => cache.blobs.write_auth(out, b)?,
        None => write_auth(out, &d.auth)?,
    }
    write_message_end(out, d)
}

/// The keys of [`write_message_json`] before `auth`.
fn write_message_start(
    out: &mut Vec<u8>,
    m: &Message<'_>,
    d: &Decoded,
    cache: &mut LineCache,
) -> serde_json::Result<()> {
    use super::json::{push_name, push_str, push_u64};
    /// `,"name":` as one constant piece.
    macro_rules! key {
        ($out:expr, $k:literal) => {
            $out.extend_from_slice(concat!(",\"", $k, "\":").as_bytes())
        };
    }
    /// `,"name":true` or `,"name":false` as one constant piece.
    macro_rules! boolean {
        ($out:expr, $k:literal, $v:expr) => {
            $out.extend_from_slice(if $v {
                concat!(",\"", $k, "\":true").as_bytes()
            } else {
                concat!(",\"", $k, "\":false").as_bytes()
            })
        };
    }
    out.extend_from_slice(b"{\"frame\":");
    push_u64(out, m.frame);
    match m.ts.rfc3339_cached(&mut cache.date) {
        // Digits and punctuation only: nothing to escape. The key, the
        // quoted time and its quotes as one piece of known length.
        Some(b) => {
            const KEY: &[u8] = b",\"time\":\"";
            let mut piece = [b'"'; 48];
            let end = KEY.len() + b.len();
            piece[..KEY.len()].copy_from_slice(KEY);
            piece[KEY.len()..end].copy_from_slice(&b);
            out.extend_from_slice(&piece[..end + 1]);
        }
        None => {
            key!(out, "time");
            super::json::to_vec(out, &m.ts)?
        }
    }
    out.extend_from_slice(cache.head(m));
    let command = command_str(m, d);
    if let Some(c) = &command {
        key!(out, "command");
        match c {
            Cow::Borrowed(name) => push_name(out, name),
            Cow::Owned(text) => push_str(out, text),
        }
    }
    match m.response() {
        Some(r) => boolean!(out, "response", r),
        // The capture cut the header before its flags: not known.
        None => out.extend_from_slice(b",\"response\":null"),
    }
    if let Some((code, nt)) = status_form_of(m) {
        key!(out, "status");
        match cache.status {
            Some((c, n, name)) if c == code && n == nt => push_name(out, name),
            _ => match status_text(code, nt) {
                Cow::Borrowed(name) => {
                    push_name(out, name);
                    cache.status = Some((code, nt, name));
                }
                Cow::Owned(text) => push_str(out, &text),
            },
        }
        key!(out, "status_code");
        push_u64(out, u64::from(code));
    }
    if let Some(h) = &m.header {
        key!(out, "message_id");
        push_u64(out, h.message_id);
        key!(out, "session_id");
        push_u64(out, h.session_id);
        if let Some(t) = h.tree_id {
            key!(out, "tree_id");
            push_u64(out, u64::from(t));
        }
        if let Some(a) = h.async_id {
            key!(out, "async\":true,\"async_id");
            push_u64(out, a);
        }
        key!(out, "credit_charge");
        push_u64(out, u64::from(h.credit_charge));
        if h.is_response() {
            key!(out, "credits_granted");
        } else {
            key!(out, "credits_requested");
        }
        push_u64(out, u64::from(h.credits));
        key!(out, "flags");
        push_u64(out, u64::from(h.flags));
        boolean!(out, "signed", h.is_signed());
        if m.chain_index > 0 || h.next_command != 0 {
            key!(out, "chain_index");
            push_u64(out, u64::from(m.chain_index));
        }
        if h.structure_size_wrong() {
            key!(out, "header_structure_size");
            push_u64(out, u64::from(h.structure_size));
        }
    } else if m.chain_index > 0 {
        key!(out, "chain_index");
        push_u64(out, u64::from(m.chain_index));
    }
    if let Some(t) = &m.transform {
        if let Some(id) = t.session_id {
            key!(out, "session_id");
            push_u64(out, id);
        }
        if let Some(n) = t.original_size {
            key!(out, "original_size");
            push_u64(out, u64::from(n));
        }
        if let Some(a) = t.algorithm {
            key!(out, "compression_algorithm");
            push_u64(out, u64::from(a));
        }
        if let Some(off) = t.offset {
            key!(out, "compression_offset");
            push_u64(out, u64::from(off));
        }
        if let Some(f) = t.flags {
            key!(out, "transform_flags");
            push_u64(out, u64::from(f));
        }
    }
    if let Some(r) = &m.request {
        key!(out, "request_frame");
        push_u64(out, r.frame);
        key!(out, "response_time");
        push_secs_json(out, m.ts.nanos_since(r.ts))?;
    }
    key!(out, "length");
    push_u64(out, u64::from(m.len));
    if (m.bytes.len() as u64) < u64::from(m.len) {
        key!(out, "kept_bytes");
        push_u64(out, m.bytes.len() as u64);
    }
    if m.missing > 0 {
        key!(out, "truncated\":true,\"missing_bytes");
        push_u64(out, m.missing);
    }
    match (&d.body, &command) {
        (Some(Ok(b)), Some(c)) => {
            out.push(b',');
            match m
                .header
                .and_then(|h| BODY_KEYS.get(usize::from(h.command.0)))
            {
                Some(k) if m.kind == Kind::Smb2 => push_name(out, k),
                _ => push_str(out, fastfmt::ascii_lowercase(c).as_str()),
            }
            out.push(b':');
            super::json::to_vec(out, b)?;
        }
        (Some(Err(e)), _) => {
            key!(out, "body_error");
            push_str(out, &e.to_string());
        }
        _ => {}
    }
    if let Some(s1) = &d.smb1 {
        key!(out, "smb1");
        super::json::to_vec(out, s1)?;
    }
    Ok(())
}

/// The `auth` or `auth_error` key of a decoded security blob and its value.
fn write_auth(
    out: &mut Vec<u8>,
    auth: &Option<Result<Box<crate::auth::AuthInfo>, crate::auth::AuthError>>,
) -> serde_json::Result<()> {
    match auth {
        Some(Ok(a)) => {
            out.extend_from_slice(b",\"auth\":");
            super::json::to_vec(out, a)
        }
        Some(Err(e)) => {
            out.extend_from_slice(b",\"auth_error\":");
            super::json::to_vec(out, e)
        }
        None => Ok(()),
    }
}

/// The keys of [`write_message_json`] after `auth` (a Kerberos message,
/// a NetBIOS packet) and the closing brace.
fn write_message_end(out: &mut Vec<u8>, d: &Decoded) -> serde_json::Result<()> {
    use super::json::push_str;
    /// `,"name":` as one constant piece.
    macro_rules! key {
        ($out:expr, $k:literal) => {
            $out.extend_from_slice(concat!(",\"", $k, "\":").as_bytes())
        };
    }
    match &d.kerberos {
        Some(Ok(k)) => {
            key!(out, "auth");
            super::json::to_vec(
                out,
                &KerberosAuth {
                    mechanism: "kerberos",
                    kerberos: k,
                },
            )?;
        }
        Some(Err(e)) => {
            key!(out, "auth_error");
            super::json::to_vec(out, e)?;
        }
        None => {}
    }
    match &d.netbios {
        Some(Ok(n)) if n.is_empty() => {}
        Some(Ok(n)) => {
            key!(out, "netbios");
            super::json::to_vec(out, n)?;
        }
        Some(Err(e)) => {
            key!(out, "netbios_error");
            push_str(out, &e.to_string());
        }
        None => {}
    }
    out.push(b'}');
    Ok(())
}

/// The key of an SMB2 body: its command's name in lower case, by command
/// code (`Command::name` lowercased; checked by a unit test).
const BODY_KEYS: [&str; 20] = [
    "negotiate",
    "session_setup",
    "logoff",
    "tree_connect",
    "tree_disconnect",
    "create",
    "close",
    "flush",
    "read",
    "write",
    "lock",
    "ioctl",
    "cancel",
    "echo",
    "query_directory",
    "change_notify",
    "query_info",
    "set_info",
    "oplock_break",
    "server_to_client_notification",
];

/// What consecutive JSON lines share, kept between them: the keys from
/// `stream` to `kind` of the two sides last written (a connection's messages
/// alternate between them), the date of the last timestamp and the name of
/// the last status.
#[derive(Default)]
pub struct LineCache {
    heads: [(Option<HeadKey>, Vec<u8>); 2],
    /// The slot used last.
    last: usize,
    date: DateCache,
    /// The last status named: (code, an NTSTATUS, its name).
    status: Option<(u32, bool, &'static str)>,
    blobs: BlobMemo,
}

/// The `auth` (or `auth_error`) key and value written lately for each
/// security blob, by the blob's bytes. What a blob's JSON says depends on
/// its bytes alone, and many connections carry the same blobs (a server's
/// SPNEGO hint in every NEGOTIATE response, a client's NTLMSSP NEGOTIATE,
/// the final accept-completed): each is decoded and written once while it
/// stays here. Bounded: [`MEMO_ENTRIES`] blobs of at most [`MEMO_MAX_BLOB`]
/// bytes, the oldest replaced first, their buffers reused.
#[derive(Default)]
struct BlobMemo {
    /// (blob, its JSON).
    entries: Vec<(Vec<u8>, Vec<u8>)>,
    /// The entry replaced next, once all are in use.
    next: usize,
}

/// Blobs [`BlobMemo`] keeps.
const MEMO_ENTRIES: usize = 16;
/// Longer blobs (Kerberos tickets, NTLMSSP AUTHENTICATE messages, which
/// hardly ever repeat) are decoded each time and not kept.
const MEMO_MAX_BLOB: usize = 1024;

impl BlobMemo {
    /// Appends the JSON of `blob` (not empty) as [`write_auth`] writes it
    /// once decoded: copied when kept, else decoded, written and kept.
    fn write_auth(&mut self, out: &mut Vec<u8>, blob: &[u8]) -> serde_json::Result<()> {
        if let Some((_, json)) = self.entries.iter().find(|(b, _)| b.as_slice() == blob) {
            out.extend_from_slice(json);
            return Ok(());
        }
        let auth = Some(crate::auth::parse_security_blob_boxed(blob));
        if blob.len() > MEMO_MAX_BLOB {
            return write_auth(out, &auth);
        }
        let slot = if self.entries.len() < MEMO_ENTRIES {
            self.entries.push(Default::default());
            self.entries.len() - 1
        } else {
            let s = self.next;
            self.next = (s + 1) % MEMO_ENTRIES;
            s
        };
        let Some((b, json)) = self.entries.get_mut(slot) else {
            return write_auth(out, &auth);
        };
        // Emptied first: an entry left empty matches no blob.
        b.clear();
        json.clear();
        write_auth(json, &auth)?;
        b.extend_from_slice(blob);
        out.extend_from_slice(json);
        Ok(())
    }
}

/// What the keys from `stream` to `kind` are written from: the same for
/// every message one side of a connection sends.
#[derive(Clone, Copy, PartialEq, Eq)]
struct HeadKey {
    stream: u64,
    transport: crate::pipeline::Transport,
    src: SocketAddr,
    dst: SocketAddr,
    kind: Kind,
}

impl LineCache {
    /// `,"stream":…,"transport":…,"src":…,"dst":…,"kind":…` of `m`, from
    /// the cache when it holds it.
    fn head(&mut self, m: &Message<'_>) -> &[u8] {
        let key = HeadKey {
            stream: m.stream,
            transport: m.transport,
            src: m.src,
            dst: m.dst,
            kind: m.kind,
        };
        let other = 1 - self.last;
        let i = if self.heads[other].0 == Some(key) {
            other
        } else if self.heads[self.last].0 == Some(key) {
            self.last
        } else {
            let (k, line) = &mut self.heads[other];
            *k = Some(key);
            line.clear();
            write_head(line, &key);
            other
        };
        self.last = i;
        &self.heads[i].1
    }
}

/// The keys from `stream` to `kind`: the addresses as `Display` writes them,
/// digits, dots, colons and brackets (nothing to escape).
fn write_head(out: &mut Vec<u8>, k: &HeadKey) {
    use super::json::{push_name, push_u64};
    out.extend_from_slice(b",\"stream\":");
    push_u64(out, k.stream);
    out.extend_from_slice(match k.transport {
        crate::pipeline::Transport::Tcp => b",\"transport\":\"tcp\"",
        crate::pipeline::Transport::Udp => b",\"transport\":\"udp\"",
    });
    out.extend_from_slice(b",\"src\":\"");
    fastfmt::push_socket_addr(out, &k.src);
    out.extend_from_slice(b"\",\"dst\":\"");
    fastfmt::push_socket_addr(out, &k.dst);
    out.push(b'"');
    out.extend_from_slice(b",\"kind\":");
    push_name(out, k.kind.name());
}

#[derive(Serialize)]
struct KerberosAuth<'a> {
    mechanism: &'static str,
    kerberos: &'a crate::auth::KerberosInfo,
}

fn secs(nanos: i64) -> f64 {
    nanos as f64 / 1e9
}

/// Appends `secs(nanos)` as `{}` (f64's `Display`) writes it, without the
/// float formatting.
///
/// Below 10^15 ns, nanos / 10^9 is a decimal of at most 15 significant
/// digits, and the double nearest to such a decimal prints as exactly that
/// decimal: `Display` gives the shortest digits that read back to the same
/// double, and no other decimal of 15 digits or fewer reads back to it (15
/// digits always survive a round trip through a double). `Display` never
/// uses an exponent. So the text is the decimal of nanos / 10^9, trailing
/// zeros dropped, without a point when it is whole.
fn push_secs_display(out: &mut Vec<u8>, nanos: i64) {
    const LIMIT: u64 = 1_000_000_000_000_000;
    let n = nanos.unsigned_abs();
    if n >= LIMIT {
        let _ = write!(VecWriter(out), "{}", secs(nanos));
        return;
    }
    if nanos < 0 {
        out.push(b'-');
    }
    super::json::push_u64(out, n / 1_000_000_000);
    let frac = (n % 1_000_000_000) as u32;
    if frac != 0 {
        push_fraction(out, frac);
    }
}

/// Appends '.' and the nine digits of `frac` (1 to 10^9 - 1) without the
/// zeros at their end: the first eight as one word ([`eight_digits`],
/// whose last digit is its top byte), appended whole and cut to length.
///
/// [`eight_digits`]: crate::capture::eight_digits
#[inline]
fn push_fraction(out: &mut Vec<u8>, frac: u32) {
    out.push(b'.');
    let head = crate::capture::eight_digits(frac / 10);
    let last = (frac % 10) as u8;
    out.extend_from_slice(&head.to_le_bytes());
    if last != 0 {
        out.push(b'0' + last);
    } else {
        // The top bytes that are '0' (fewer than 8, as frac / 10 > 0).
        let zeros = ((head ^ 0x3030_3030_3030_3030).leading_zeros() / 8).min(7);
        out.truncate(out.len() - zeros as usize);
    }
}

/// Appends `secs(nanos)` as serde_json writes it: from 10^-5 s on, the
/// text of `Display` ([`push_secs_display`]) and ".0" after a whole number;
/// smaller values (in exponent form) and large ones through serde_json.
fn push_secs_json(out: &mut Vec<u8>, nanos: i64) -> serde_json::Result<()> {
    const FROM: u64 = 10_000;
    const LIMIT: u64 = 1_000_000_000_000_000;
    let n = nanos.unsigned_abs();
    if !(FROM..LIMIT).contains(&n) {
        return serde_json::to_writer(out, &secs(nanos));
    }
    push_secs_display(out, nanos);
    if n.is_multiple_of(1_000_000_000) {
        out.extend_from_slice(b".0");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An output that counts the writes it gets, shared with the test.
    #[derive(Clone, Default)]
    struct Shared(std::rc::Rc<std::cell::RefCell<(Vec<u8>, usize)>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            let mut s = self.0.borrow_mut();
            s.0.extend_from_slice(b);
            s.1 += 1;
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Streaming, each finished line goes out at once; otherwise the lines
    /// go out together; in every format the bytes are the same, and lines
    /// still pending when the writer is dropped go out then.
    #[test]
    fn lines_go_out_streamed_or_batched_alike() {
        let cap = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/ntlm-wrong-password.pcap"
        );
        for format in [Format::Jsonl, Format::Json, Format::Text] {
            let mut outputs = Vec::new();
            for streaming in [true, false] {
                let out = Shared::default();
                let mut w = MessagesWriter::new(out.clone(), format, streaming);
                let mut reader =
                    crate::capture::CaptureReader::new(std::fs::File::open(cap).expect("sample"))
                        .expect("capture");
                let outcome =
                    crate::pipeline::run(&mut reader, &Default::default(), |ev| w.event(ev));
                assert!(w.error.is_none());
                let before_finish = out.0.borrow().1;
                if streaming {
                    assert!(before_finish > 5, "{format:?}: {before_finish}");
                } else {
                    assert_eq!(before_finish, 0, "{format:?}: all in one batch");
                }
                w.finish(&outcome, "x").expect("finish");
                drop(w);
                outputs.push(out.0.borrow().0.clone());
            }
            if format == Format::Jsonl {
                // Streamed, a request's line is written before its response
                // comes: without the response's frame and time.
                let batched = String::from_utf8(outputs[1].clone()).expect("utf-8");
                let mut want = String::new();
                for line in batched.lines() {
                    let cut = line.rfind(",\"response_frame\":").map_or(line.len(), |i| i);
                    want.push_str(&line[..cut]);
                    if cut < line.len() {
                        want.push('}');
                    }
                    want.push('\n');
                }
                assert_ne!(
                    want.as_bytes(),
                    outputs[1].as_slice(),
                    "some request was answered"
                );
                assert_eq!(want.as_bytes(), outputs[0].as_slice(), "{format:?}");
                continue;
            }
            assert_eq!(outputs[0], outputs[1], "{format:?}");
        }
        // Dropped before `finish`: what was written so far still goes out.
        let out = Shared::default();
        let mut w = MessagesWriter::new(out.clone(), Format::Jsonl, false);
        let mut reader =
            crate::capture::CaptureReader::new(std::fs::File::open(cap).expect("sample"))
                .expect("capture");
        crate::pipeline::run(&mut reader, &Default::default(), |ev| w.event(ev));
        assert!(out.0.borrow().0.is_empty());
        drop(w);
        let text = String::from_utf8(out.0.borrow().0.clone()).expect("utf-8");
        assert!(text.lines().count() > 5 && text.ends_with('\n'), "{text}");
    }

    /// A request answered first with an interim STATUS_PENDING carries
    /// the final response's frame and time, once (the interim one added
    /// them too: a line with two `response_frame` keys).
    #[test]
    fn a_pending_request_names_its_final_response_once() {
        let cap = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/ntlm-success-copy.pcap"
        );
        let out = Shared::default();
        let mut w = MessagesWriter::new(out.clone(), Format::Jsonl, false);
        let mut reader =
            crate::capture::CaptureReader::new(std::fs::File::open(cap).expect("sample"))
                .expect("capture");
        let outcome = crate::pipeline::run(&mut reader, &Default::default(), |ev| w.event(ev));
        w.finish(&outcome, "x").expect("finish");
        drop(w);
        let text = String::from_utf8(out.0.borrow().0.clone()).expect("utf-8");
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        assert!(text
            .lines()
            .all(|l| l.matches("\"response_frame\":").count() <= 1));
        let pending: Vec<&serde_json::Value> = lines
            .iter()
            .filter(|v| v["status"] == "STATUS_PENDING")
            .collect();
        assert!(!pending.is_empty());
        for p in pending {
            let req = p["request_frame"].as_u64().expect("paired");
            let fin = lines
                .iter()
                .find(|v| v["request_frame"] == req && v["status"] != "STATUS_PENDING")
                .expect("final response");
            let asked = lines
                .iter()
                .find(|v| v["frame"] == req && v["response"] == false)
                .expect("request");
            assert_eq!(asked["response_frame"], fin["frame"], "{asked}");
        }
    }

    /// `copies` copies of a sample's connection (classic pcap, Ethernet,
    /// IPv4, one client port), each with its own client port, all at the
    /// same times: the n-th packets of all copies, then the (n+1)-th, as
    /// thousands of clients answered at once would be captured.
    fn simultaneous(sample: &str, copies: u16) -> Vec<u8> {
        let pcap = std::fs::read(sample).expect("sample");
        let (head, mut at, mut records) = (&pcap[..24], 24, Vec::new());
        while let Some(h) = pcap.get(at..at + 16) {
            let len = u32::from_le_bytes([h[8], h[9], h[10], h[11]]) as usize;
            records.push((h, &pcap[at + 16..at + 16 + len]));
            at += 16 + len;
        }
        let mut out = head.to_vec();
        for (h, frame) in records {
            let l4 = 14 + usize::from(frame[14] & 0x0f) * 4;
            let to_server = frame[l4 + 2..l4 + 4] == 445u16.to_be_bytes();
            let port_at = if to_server { l4 } else { l4 + 2 };
            for k in 0..copies {
                out.extend_from_slice(h);
                let start = out.len();
                out.extend_from_slice(frame);
                out[start + port_at..start + port_at + 2]
                    .copy_from_slice(&(1024 + k).to_be_bytes());
            }
        }
        out
    }

    /// A response's request line is found without looking back through
    /// every line held: 2,000 connections whose responses all come after
    /// all their requests made the scan back look at 12 million lines
    /// (1,000 per message) before the binary search; now 54,000.
    #[test]
    fn held_requests_are_found_without_a_scan() {
        let cap = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/ntlm-wrong-password.pcap"
        );
        let bytes = simultaneous(cap, 2000);
        let mut w = MessagesWriter::new(io::sink(), Format::Jsonl, false);
        let mut reader = crate::capture::CaptureReader::new(&bytes[..]).expect("capture");
        crate::pipeline::run(&mut reader, &Default::default(), |ev| w.event(ev));
        assert!(w.error.is_none());
        assert!(w.count >= 12_000, "{} messages", w.count);
        assert!(
            w.looked_at < 16 * w.count,
            "{} held lines looked at for {} messages",
            w.looked_at,
            w.count
        );
    }

    /// The JSON of a security blob from the kept blobs is what decoding it
    /// writes, for blobs seen before, kept, replaced, too long to keep and
    /// garbage, in an order that goes round the entries several times.
    #[test]
    fn kept_blobs_write_what_decoding_writes() {
        let mut blobs: Vec<Vec<u8>> = Vec::new();
        for name in [
            "krb5-success.pcap",
            "ntlm-smb311.pcap",
            "ntlm-wrong-password.pcap",
        ] {
            let path = format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"));
            let mut reader =
                crate::capture::CaptureReader::new(std::fs::File::open(path).expect("sample"))
                    .expect("capture");
            crate::pipeline::run(&mut reader, &Default::default(), |ev| {
                if let Event::Message(m) = ev {
                    if let Some(b) = m.security_blob_of(&m.decode_without_blob()) {
                        blobs.push(b.to_vec());
                    }
                }
            });
        }
        assert!(blobs.len() > 10, "{}", blobs.len());
        assert!(blobs.iter().any(|b| b.len() > MEMO_MAX_BLOB));
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for i in 0..MEMO_ENTRIES * 2 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            let mut b = blobs[i % blobs.len()].clone();
            b.truncate(1 + (x >> 40) as usize % b.len());
            blobs.push(b);
        }
        let mut memo = BlobMemo::default();
        let (mut kept, mut fresh) = (Vec::new(), Vec::new());
        for round in 0..4 {
            for i in 0..blobs.len() {
                let b = &blobs[(i * (2 * round + 1) + round) % blobs.len()];
                kept.clear();
                fresh.clear();
                memo.write_auth(&mut kept, b).expect("kept");
                write_auth(&mut fresh, &Some(crate::auth::parse_security_blob_boxed(b)))
                    .expect("fresh");
                assert_eq!(kept, fresh, "{b:02x?}");
            }
        }
        assert_eq!(memo.entries.len(), MEMO_ENTRIES);
    }

    #[test]
    fn body_keys_are_the_lowercased_command_names() {
        for code in 0..=u16::MAX {
            let c = crate::smb2::Command(code);
            assert_eq!(
                c.name().map(str::to_ascii_lowercase).as_deref(),
                BODY_KEYS.get(usize::from(code)).copied(),
                "{code}"
            );
        }
    }

    /// Every name `write_message_json` copies without the escape check
    /// (json::push_name) from a table that is not an `open_enum!` (those are
    /// checked when the program is built) holds nothing to escape.
    #[test]
    fn names_written_unescaped_need_no_escaping() {
        use crate::json::is_plain_name;
        let kinds = [
            Kind::Smb2,
            Kind::Smb2Transform,
            Kind::Smb2Compressed,
            Kind::Smb1,
            Kind::Netbios,
            Kind::Kerberos,
        ];
        let statuses = crate::ntstatus::table::TABLE
            .iter()
            .map(|e| e.name)
            .chain(crate::ntstatus::dos::TABLE.iter().map(|e| e.name));
        let krb = (0..=u8::MAX).filter_map(|b| kerberos_msg_name(Some(b)));
        let names: Vec<&str> = BODY_KEYS
            .iter()
            .copied()
            .chain(kinds.iter().map(|k| k.name()))
            .chain(statuses)
            .chain(krb)
            .collect();
        assert!(names.len() > 1_800, "{}", names.len());
        for n in names {
            assert!(is_plain_name(n), "{n:?}");
        }
        assert!(!is_plain_name("a\"b") && !is_plain_name("a\\b") && !is_plain_name("a\nb"));
    }

    #[test]
    fn fixed_decimals_match_the_float_formatting() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut values: Vec<i64> = vec![
            0,
            1,
            499,
            500,
            501,
            4_999,
            5_000,
            5_001,
            999_999_999,
            999_995_000,
        ];
        for _ in 0..300_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push((x >> (x % 64)) as i64);
            values.push((x % 2_000_000_000) as i64);
            values.push((x % 100_000) as i64 * 1_000 + 500);
        }
        let (mut fast_s, mut fast_ms) = (0, 0);
        for v in values {
            let mut b = [0u8; 32];
            if let Some(n) = fixed_decimals(&mut b, v, 1_000) {
                assert_eq!(
                    std::str::from_utf8(&b[..n]).unwrap(),
                    format!("{:.6}", secs(v)),
                    "{v}"
                );
                fast_s += 1;
            }
            if let Some(n) = fixed_decimals(&mut b, v, 10_000) {
                assert_eq!(
                    std::str::from_utf8(&b[..n]).unwrap(),
                    format!("{:.2}", v as f64 / 1e6),
                    "{v}"
                );
                fast_ms += 1;
            }
            let ms = v as f64 / 1e6;
            let want = if ms.abs() < 1000.0 {
                format!("{ms:.2} ms")
            } else {
                format!("{:.3} s", ms / 1000.0)
            };
            assert_eq!(Duration(v).to_string(), want, "{v}");
        }
        assert!(fast_s > 500_000 && fast_ms > 500_000, "{fast_s} {fast_ms}");
    }

    #[test]
    fn secs_text_matches_f64_display() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut values = vec![
            0,
            1,
            -1,
            10,
            999_999_999,
            1_000_000_000,
            5_153_000,
            999_999_999_999_999,
            -999_999_999_999_999,
            1_000_000_000_000_000,
            i64::MAX,
            i64::MIN,
        ];
        for _ in 0..300_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = (x >> (x % 64)) as i64;
            values.push(v);
            values.push(-v);
            values.push(v % 1_000_000_000_000_000);
            values.push((v % 100_000) * 10_i64.pow((x % 12) as u32));
        }
        values.extend([
            9_999,
            10_000,
            -10_000,
            3_000_000_000,
            -7_000_000_000,
            12_000,
        ]);
        for v in values {
            let mut out = Vec::new();
            push_secs_display(&mut out, v);
            assert_eq!(String::from_utf8_lossy(&out), format!("{}", secs(v)), "{v}");
            let mut json = Vec::new();
            push_secs_json(&mut json, v).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&json),
                serde_json::to_string(&secs(v)).unwrap(),
                "{v}"
            );
        }
    }
}

/// A one-line summary of a message's body, for the text table.
pub fn summary(msg: &Message<'_>, dec: &Decoded) -> String {
    let mut s = String::with_capacity(160);
    if let Some(h) = &msg.header {
        let _ = write!(s, "mid {}", h.message_id);
        if h.session_id != 0 {
            let _ = write!(s, " ses {:#x}", h.session_id);
        }
        if let Some(t) = h.tree_id.filter(|t| *t != 0) {
            let _ = write!(s, " tid {t:#x}");
        }
        if h.is_async() {
            s.push_str(" async");
        }
        if h.structure_size_wrong() {
            let _ = write!(s, " [header StructureSize {}, not 64]", h.structure_size);
        }
    }
    match &dec.body {
        Some(Ok(b)) => push_into(&mut s, |s| b.summary_into(s)),
        Some(Err(e)) => push(&mut s, &format!("[{e}]")),
        None => {}
    }
    match &dec.auth {
        Some(Ok(a)) => push_into(&mut s, |s| a.summary_into(s)),
        Some(Err(e)) => push(&mut s, &format!("[security blob: {e}]")),
        None => {}
    }
    match &dec.kerberos {
        Some(Ok(k)) => push_into(&mut s, |s| k.summary_into(s)),
        Some(Err(e)) => push(
            &mut s,
            &format!("[kerberos: {} at {}]", e.structure, e.offset),
        ),
        None => {}
    }
    match &dec.netbios {
        Some(Ok(n)) => push(&mut s, &n.summary()),
        Some(Err(e)) => push(&mut s, &format!("[NetBIOS: {e}]")),
        None => {}
    }
    if let Some(s1) = &dec.smb1 {
        if let Some(n) = &s1.negotiate {
            if let Ok(v) = serde_json::to_value(n) {
                if let Some(d) = v.get("dialects").and_then(|d| d.as_array()) {
                    let list: Vec<&str> = d.iter().filter_map(|x| x.as_str()).collect();
                    push(&mut s, &format!("dialects {}", list.join(", ")));
                }
            }
        }
        if let Some(d) = s1.trans_detail().or_else(|| s1.logon_detail()) {
            push(&mut s, &d);
        } else if let Some(d) = crate::smb2::smb1_file::files_detail(&s1.file_commands) {
            push(&mut s, &d);
        }
    }
    if let Some(t) = &msg.transform {
        if msg.kind == Kind::Smb2Transform {
            push(&mut s, &encrypted_summary(t));
        } else {
            push(&mut s, &compressed_summary(t));
        }
    }
    if let Some(r) = &msg.request {
        push_args(
            &mut s,
            format_args!(
                "({} after frame {})",
                Duration(msg.ts.nanos_since(r.ts)),
                r.frame
            ),
        );
    }
    if msg.missing > 0 {
        push_args(
            &mut s,
            format_args!(
                "[{} of {} bytes missing from the capture]",
                msg.missing, msg.len
            ),
        );
    }
    s
}

/// [`push`] of formatted text, without a `String` for the part.
fn push_args(s: &mut String, part: std::fmt::Arguments<'_>) {
    let start = s.len();
    if !s.is_empty() {
        s.push_str("  ");
    }
    let sep = s.len();
    let _ = s.write_fmt(part);
    if s.len() == sep {
        s.truncate(start);
    }
}

/// [`push`] for a part written straight into `s` by `write`.
fn push_into(s: &mut String, write: impl FnOnce(&mut String)) {
    let start = s.len();
    if !s.is_empty() {
        s.push_str("  ");
    }
    let text = s.len();
    write(s);
    if s.len() == text {
        s.truncate(start);
    }
}

fn push(s: &mut String, part: &str) {
    if part.is_empty() {
        return;
    }
    if !s.is_empty() {
        s.push_str("  ");
    }
    s.push_str(part);
}

/// A duration for people: "0.42 ms", "1.3 s".
pub fn duration(nanos: i64) -> String {
    Duration(nanos).to_string()
}

/// [`duration`]'s text as a `Display`.
struct Duration(i64);

impl std::fmt::Display for Duration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 < 1_000_000_000 {
            let mut b = [0u8; 32];
            if let Some(n) = fixed_decimals(&mut b, self.0, 10_000) {
                f.write_str(std::str::from_utf8(&b[..n]).unwrap_or_default())?;
                return f.write_str(" ms");
            }
        }
        let ms = self.0 as f64 / 1e6;
        if ms.abs() < 1000.0 {
            write!(f, "{ms:.2} ms")
        } else {
            write!(f, "{:.3} s", ms / 1000.0)
        }
    }
}

/// A line held back while its request waits for the response.
struct Held {
    line: Vec<u8>,
    frame: u64,
    stream: u64,
    /// SMB2 message id of a request still waiting.
    waiting: Option<u64>,
    ts: Timestamp,
}

/// Bytes of finished lines gathered before they go to the output in one
/// write, when the output is not streamed.
const BATCH: usize = 1 << 16;

/// The text table's status column, in characters: the widest status seen
/// in the samples and the public corpus, STATUS_MORE_PROCESSING_REQUIRED,
/// fits it. A longer, rare name (STATUS_NOLOGON_WORKSTATION_TRUST_ACCOUNT)
/// is written whole and that line's details follow it after one space: the
/// columns before it stay aligned.
const STATUS_WIDTH: usize = 31;

/// Writes `messages` output from pipeline events.
pub struct MessagesWriter<W: Write> {
    out: W,
    /// Finished lines not yet written to `out`. A line that is not held
    /// back is written straight into it (no line buffer, no copy of it).
    pending: Vec<u8>,
    /// `pending` goes out once it holds this many bytes: [`BATCH`], or 0
    /// when streaming (each line as it is finished).
    flush_at: usize,
    format: Format,
    /// The base of the text's time column: the capture's first frame
    /// ([`Event::CaptureStart`]), as the report and Wireshark's
    /// frame.time_relative count; the first message's when no such event
    /// came.
    first_ts: Option<Timestamp>,
    held: VecDeque<Held>,
    /// The lines in `held` are in frame order (see [`Self::held_request`]).
    held_in_frame_order: bool,
    /// Held lines looked at to find the requests answered (for the tests).
    #[cfg(test)]
    looked_at: u64,
    spare: Vec<Vec<u8>>,
    count: u64,
    written: u64,
    gaps_reported: u64,
    notes: Vec<String>,
    cache: LineCache,
    pub error: Option<io::Error>,
}

const MAX_GAP_NOTES: u64 = 20;

/// Held lines looked through from the back before a binary search.
const NEAR_HELD: usize = 8;

impl<W: Write> MessagesWriter<W> {
    /// A writer to `out`; `streaming` writes each line to it as soon as it
    /// is finished (a live capture), otherwise lines go out in batches.
    pub fn new(out: W, format: Format, streaming: bool) -> Self {
        let flush_at = if streaming { 0 } else { BATCH };
        MessagesWriter {
            out,
            pending: Vec::with_capacity(if streaming { 0 } else { 2 * BATCH }),
            flush_at,
            format,
            first_ts: None,
            held: VecDeque::new(),
            held_in_frame_order: true,
            #[cfg(test)]
            looked_at: 0,
            spare: Vec::new(),
            count: 0,
            written: 0,
            gaps_reported: 0,
            notes: Vec::new(),
            cache: LineCache::default(),
            error: None,
        }
    }

    /// Writes what comes before the first message.
    pub fn begin(&mut self, file: &str) -> io::Result<()> {
        match self.format {
            Format::Text => writeln!(
                self.out,
                "{:>7} {:>11} {:>5} {:3} {:<24} {:<STATUS_WIDTH$} details",
                "frame", "time", "strm", "dir", "command", "status"
            ),
            Format::Json => {
                write!(self.out, "{{\"schema_version\":{SCHEMA_VERSION},\"file\":")?;
                serde_json::to_writer(&mut self.out, file)?;
                write!(self.out, ",\"messages\":[")
            }
            Format::Jsonl => Ok(()),
        }
    }

    /// Takes one pipeline event.
    pub fn event(&mut self, ev: Event<'_>) {
        if self.error.is_some() {
            return;
        }
        let r = match ev {
            Event::CaptureStart { ts, .. } => {
                self.first_ts = Some(ts);
                Ok(())
            }
            Event::Message(m) => self.message(m),
            Event::Gap {
                info,
                from_client,
                frame,
                bytes,
                reason,
                ..
            } => {
                self.gaps_reported += 1;
                if self.gaps_reported <= MAX_GAP_NOTES {
                    let why = match reason {
                        GapReason::Lost => "not in the capture",
                        GapReason::Snaplen => "cut by the snaplen",
                        GapReason::Budget => "dropped: too much out-of-order data held",
                    };
                    let dir = if from_client {
                        "client to server"
                    } else {
                        "server to client"
                    };
                    self.notes.push(format!(
                        "stream {} ({} → {}): {bytes} bytes {dir} missing at frame {frame} ({why})",
                        info.stream, info.client, info.server
                    ));
                }
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(e) = r {
            self.error = Some(e);
        }
    }

    fn message(&mut self, m: &Message<'_>) -> io::Result<()> {
        let first = *self.first_ts.get_or_insert(m.ts);
        #[cfg(feature = "bench-stages")]
        if bench_stage::stop(bench_stage::Stage::Pipeline) {
            self.count += 1;
            return Ok(());
        }
        #[cfg(feature = "bench-stages")]
        if bench_stage::stop(bench_stage::Stage::Decode) {
            self.count += 1;
            std::hint::black_box(&m.decode());
            return Ok(());
        }
        self.count += 1;
        if self.format == Format::Text {
            return self.text_line(m, &m.decode(), first);
        }
        let dec = m.decode_without_blob();
        let blob = m.security_blob_of(&dec);
        if let Some(req) = &m.request {
            self.patch_request(m, req.frame);
        }
        // JSON Lines from a live input are written as the messages come:
        // a request's line is not held for its response (which may never
        // come), and the response's line carries the pairing.
        let live_lines = self.flush_at == 0 && self.format == Format::Jsonl;
        let waiting = match m.header {
            Some(h)
                if !live_lines && !h.is_response() && h.command != crate::smb2::Command::CANCEL =>
            {
                Some(h.message_id)
            }
            _ => None,
        };
        // What would be released once this line is held: the lines before it.
        self.release(m.ts, false, 1)?;
        if waiting.is_none() && self.held.is_empty() {
            // Released at once, as it would be from the front of the queue:
            // written where the finished lines gather.
            let start = self.pending.len();
            self.begin_line();
            if let Err(e) = write_message_line(&mut self.pending, m, &dec, blob, &mut self.cache) {
                self.pending.truncate(start);
                return Err(e.into());
            }
            return self.end_line();
        }
        let mut line = self.spare.pop().unwrap_or_default();
        line.clear();
        write_message_line(&mut line, m, &dec, blob, &mut self.cache)?;
        self.held_in_frame_order = match self.held.back() {
            Some(last) => self.held_in_frame_order && last.frame <= m.frame,
            None => true,
        };
        self.held.push_back(Held {
            line,
            frame: m.frame,
            stream: m.stream,
            waiting,
            ts: m.ts,
        });
        Ok(())
    }

    /// Adds `response_frame` and `response_time` to the held line of the request answered.
    fn patch_request(&mut self, resp: &Message<'_>, request_frame: u64) {
        let Some(h) = resp.header else { return };
        if h.is_async() && NtStatus(h.status) == NtStatus::PENDING {
            // The line waits for the final response ([MS-SMB2] 3.2.5.1.5).
            // (An interim one used to add the keys, and the final one added
            // them again: a line with two response_frame keys.)
            return;
        }
        let found = self.held_request(resp.stream, request_frame, h.message_id);
        if let Some(x) = found.and_then(|i| self.held.get_mut(i)) {
            // The line ends with '}'; insert before it.
            if x.line.last() == Some(&b'}') {
                x.line.pop();
                x.line.extend_from_slice(b",\"response_frame\":");
                super::json::push_u64(&mut x.line, resp.frame);
                x.line.extend_from_slice(b",\"response_time\":");
                push_secs_display(&mut x.line, resp.ts.nanos_since(x.ts));
                x.line.push(b'}');
            }
            x.waiting = None;
        }
    }

    /// The place in `held` of the last line of request `id` of `stream`
    /// in `frame` still waiting. Usually it is among the last lines held;
    /// otherwise, while the lines are in frame order (as the pipeline hands
    /// messages out), those of `frame` lie together and a binary search
    /// finds them, where a scan back would look at up to [`WINDOW`] lines
    /// for each response (thousands of connections answering at once).
    fn held_request(&mut self, stream: u64, frame: u64, id: u64) -> Option<usize> {
        let is = |x: &Held| x.frame == frame && x.stream == stream && x.waiting == Some(id);
        let n = self.held.len();
        let near = n.saturating_sub(NEAR_HELD);
        let mut looked = 0u64;
        let mut find_back = |held: &VecDeque<Held>, from: usize, to: usize, stop: bool| {
            (from..to).rev().find_map(|k| {
                let x = held.get(k)?;
                looked += 1;
                if is(x) {
                    Some(Some(k))
                } else if stop && x.frame != frame {
                    Some(None)
                } else {
                    None
                }
            })
        };
        let mut found = find_back(&self.held, near, n, false).flatten();
        if found.is_none() {
            found = if self.held_in_frame_order {
                // The end of the lines of `frame` before `near`, and back
                // from there while the frame is the same.
                let end = self.held.partition_point(|x| x.frame <= frame).min(near);
                find_back(&self.held, 0, end, true).flatten()
            } else {
                find_back(&self.held, 0, near, false).flatten()
            };
        }
        #[cfg(test)]
        {
            self.looked_at += looked;
        }
        let _ = looked;
        found
    }

    /// Writes held lines that need not wait any more, counting `coming`
    /// lines about to be held after them.
    fn release(&mut self, now: Timestamp, all: bool, coming: usize) -> io::Result<()> {
        while let Some(front) = self.held.front() {
            let expired = now.secs.saturating_sub(front.ts.secs) > WINDOW_SECS;
            let full = self.held.len() + coming > WINDOW;
            if !(all || front.waiting.is_none() || expired || full) {
                break;
            }
            let Some(h) = self.held.pop_front() else {
                break;
            };
            self.begin_line();
            self.pending.extend_from_slice(&h.line);
            self.keep_spare(h.line);
            self.end_line()?;
        }
        Ok(())
    }

    /// Keeps a written line's buffer for a later line.
    fn keep_spare(&mut self, line: Vec<u8>) {
        if self.spare.len() < 64 {
            self.spare.push(line);
        }
    }

    /// What goes before a JSON line: in a JSON document, the comma after
    /// the line before and a line break.
    fn begin_line(&mut self) {
        if self.format == Format::Json {
            self.pending.extend_from_slice(if self.count_written() > 0 {
                b",\n"
            } else {
                b"\n"
            });
        }
    }

    /// Ends the JSON line just written into `pending` (JSON Lines: its line
    /// break) and writes out what is pending if that is due.
    fn end_line(&mut self) -> io::Result<()> {
        if self.format != Format::Json {
            self.pending.push(b'\n');
        }
        self.written += 1;
        self.flush_due()
    }

    /// Writes out the pending lines once they reach `flush_at` bytes.
    fn flush_due(&mut self) -> io::Result<()> {
        if self.pending.len() >= self.flush_at {
            self.flush_pending()?;
        }
        Ok(())
    }

    /// Writes out the pending lines.
    fn flush_pending(&mut self) -> io::Result<()> {
        let r = self.out.write_all(&self.pending);
        self.pending.clear();
        r
    }

    fn count_written(&self) -> u64 {
        self.written
    }

    fn text_line(&mut self, m: &Message<'_>, dec: &Decoded, first: Timestamp) -> io::Result<()> {
        let rel = secs(m.ts.nanos_since(first));
        let dir = if m.from_client { "C>S" } else { "S>C" };
        let command = command_str(m, dec);
        let status = match (status_form_of(m), &dec.kerberos) {
            (Some((code, nt)), _) => status_text(code, nt),
            // A KRB-ERROR's error, as the report's timeline shows it.
            (None, Some(Ok(k))) if m.kind == Kind::Kerberos => match (k.error, k.error_code) {
                (Some(name), _) => Cow::Borrowed(name),
                (None, Some(c)) => Cow::Owned(format!("krb:{c}")),
                (None, None) => Cow::Borrowed(""),
            },
            _ => Cow::Borrowed(""),
        };
        let details = summary(m, dec);
        // "{:>7} {:>11.6} {:>5} {dir} {cmd:<24} {status:<31} {details}\n", built
        // in a reused buffer: padding through the formatter went char by char.
        // Written where the finished lines gather.
        let mut line = std::mem::take(&mut self.pending);
        pad_right_aligned(&mut line, itoa::Buffer::new().format(m.frame).as_bytes(), 7);
        line.push(b' ');
        let mut fixed = [0u8; 32];
        match fixed_decimals(&mut fixed, m.ts.nanos_since(first), 1_000) {
            Some(n) => pad_right_aligned(&mut line, &fixed[..n], 11),
            None => {
                let _ = write!(VecWriter(&mut line), "{rel:>11.6}");
            }
        }
        line.push(b' ');
        pad_right_aligned(
            &mut line,
            itoa::Buffer::new().format(m.stream).as_bytes(),
            5,
        );
        line.push(b' ');
        line.extend_from_slice(dir.as_bytes());
        line.push(b' ');
        command_cell(&mut line, m, command.as_deref());
        line.push(b' ');
        pad_left_aligned(&mut line, &status, STATUS_WIDTH);
        line.push(b' ');
        line.extend_from_slice(details.as_bytes());
        line.push(b'\n');
        self.pending = line;
        self.flush_due()
    }

    /// Writes what comes after the last message; returns notes for standard error.
    pub fn finish(&mut self, outcome: &Outcome, file: &str) -> io::Result<Vec<String>> {
        self.release(Timestamp::default(), true, 0)?;
        self.flush_pending()?;
        let summary = CaptureSummary::new(
            file,
            &outcome.stats,
            outcome.error.as_ref().map(|e| e.to_string()),
        );
        match self.format {
            Format::Json => {
                self.out.write_all(b"\n],\"capture\":")?;
                serde_json::to_writer(&mut self.out, &summary)?;
                self.out.write_all(b"}\n")?;
            }
            Format::Jsonl => {}
            Format::Text => {
                writeln!(self.out)?;
                writeln!(self.out, "{}", summary.one_line())?;
            }
        }
        self.out.flush()?;
        let mut notes = std::mem::take(&mut self.notes);
        if self.gaps_reported > MAX_GAP_NOTES {
            notes.push(format!(
                "… and {} more gaps",
                self.gaps_reported - MAX_GAP_NOTES
            ));
        }
        notes.extend(summary.cut_notes(None));
        Ok(notes)
    }
}

/// Lines still pending go out when the writer is dropped without
/// [`MessagesWriter::finish`] (after an error), as a `BufWriter` would write
/// its buffer.
impl<W: Write> Drop for MessagesWriter<W> {
    fn drop(&mut self) {
        let _ = self.flush_pending();
    }
}

/// `{:>width}` of ASCII text: spaces up to `width` bytes, then `s`.
fn pad_right_aligned(line: &mut Vec<u8>, s: &[u8], width: usize) {
    const SPACES: [u8; 32] = [b' '; 32];
    let n = width.saturating_sub(s.len()).min(SPACES.len());
    line.extend_from_slice(&SPACES[..n]);
    line.extend_from_slice(s);
}

/// `nanos` / `unit` / 10^k as `{:.k}` writes `nanos as f64 / 1e9` (k = 6,
/// `unit` = 1000: seconds) or `nanos as f64 / 1e6` (k = 2, `unit` = 10^4:
/// milliseconds), into `out`; returns the length, or `None` where the text
/// is not certain to be the same: negative or large values (from 10^15 ns),
/// and remainders within 1 % of a tie.
///
/// The double is within 10^-7 ns × the value of the exact quotient (one
/// correctly rounded division of exact integers below 2^53), far less than
/// the 1 % margin kept from the half-way point, so it rounds to the same
/// last digit as the exact quotient, whatever the tie rule.
fn fixed_decimals(out: &mut [u8; 32], nanos: i64, unit: u64) -> Option<usize> {
    let n = u64::try_from(nanos)
        .ok()
        .filter(|n| *n < 1_000_000_000_000_000)?;
    let rem = n % unit;
    let half = unit / 2;
    if rem.abs_diff(half) <= unit / 100 {
        return None;
    }
    let r = n / unit + u64::from(rem > half);
    let (digits, q) = if unit == 1_000 {
        (6, 1_000_000)
    } else {
        (2, 100)
    };
    let mut ib = itoa::Buffer::new();
    let int = ib.format(r / q).as_bytes();
    let len = int.len() + 1 + digits;
    out.get_mut(..int.len())?.copy_from_slice(int);
    out[int.len()] = b'.';
    let mut f = r % q;
    for i in (int.len() + 1..len).rev() {
        out[i] = b'0' + (f % 10) as u8;
        f /= 10;
    }
    Some(len)
}

/// The command column of the text table, 24 characters wide: "krb " before a
/// Kerberos message's name, " req" or " rsp" after an SMB command's
/// (neither when the capture cut the header before its flags); an
/// SMB1 command without its "SMB_COM_" ([MS-CIFS] 2.2.2.1; the JSON keeps
/// it), so that SESSION_SETUP_ANDX and TREE_CONNECT_ANDX fit the column as
/// SMB2's names do (only rare SMB1 names, such as TRANSACTION2_SECONDARY,
/// go past it). Written into the line: no `String` per message.
fn command_cell(line: &mut Vec<u8>, m: &Message<'_>, command: Option<&str>) {
    const WIDTH: usize = 24;
    let name = command.unwrap_or_else(|| m.kind.name());
    let name = match m.kind {
        Kind::Smb1 => name.strip_prefix("SMB_COM_").unwrap_or(name),
        _ => name,
    };
    let (before, after) = match m.kind {
        Kind::Kerberos => ("krb ", ""),
        Kind::Smb2 | Kind::Smb1 => match m.response() {
            Some(true) => ("", " rsp"),
            Some(false) => ("", " req"),
            // The capture cut the header before its flags: neither is known.
            None => ("", ""),
        },
        _ => ("", ""),
    };
    line.extend_from_slice(before.as_bytes());
    line.extend_from_slice(name.as_bytes());
    line.extend_from_slice(after.as_bytes());
    let chars = before.len() + name.chars().count() + after.len();
    pad_left_aligned(line, "", WIDTH.saturating_sub(chars));
}

/// `{s:<width}`: `s`, then spaces up to `width` characters.
fn pad_left_aligned(line: &mut Vec<u8>, s: &str, width: usize) {
    line.extend_from_slice(s.as_bytes());
    const SPACES: [u8; 32] = [b' '; 32];
    let mut n = width.saturating_sub(s.chars().count());
    while n > 0 {
        let k = n.min(SPACES.len());
        line.extend_from_slice(&SPACES[..k]);
        n -= k;
    }
}

struct VecWriter<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for VecWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// What the capture held and what was skipped or cut (the `capture` object).
#[derive(Serialize)]
pub struct CaptureSummary<'a> {
    pub file: &'a str,
    #[serde(flatten)]
    pub stats: &'a Stats,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// When no SMB connection was found: the ports the capture's other TCP
/// connections went to, most used first, and the flag to follow them.
fn other_ports_hint(ports: &[(u16, u64)]) -> Option<String> {
    let p = crate::pipeline::busiest(ports);
    let (top, _) = *p.first()?;
    let list = p
        .iter()
        .take(3)
        .map(|(port, n)| format!("{port} ({n})"))
        .collect::<Vec<_>>()
        .join(", ");
    Some(format!(
        "no SMB found on the ports followed (445, 139, --port); the capture's TCP connections go to port {list}: if SMB runs there, add --port {top}"
    ))
}

/// Beside SMB: the ports of the capture's other TCP connections, which
/// were not examined, the busiest first (at most 3 named), with how many
/// connections went to each.
fn other_ports_note(ports: &[(u16, u64)]) -> Option<String> {
    let p = crate::pipeline::busiest(ports);
    p.first()?;
    let list = p
        .iter()
        .take(3)
        .enumerate()
        .map(|(i, (port, n))| match (i, n) {
            (0, 1) => format!("{port} (1 connection)"),
            (0, _) => format!("{port} ({n} connections)"),
            _ => format!("{port} ({n})"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let more = match p.len() {
        0..=3 => String::new(),
        n => format!(" and {} more", n - 3),
    };
    Some(format!(
        "TCP connections to other ports, not examined: {list}{more}"
    ))
}

impl<'a> CaptureSummary<'a> {
    pub fn new(file: &'a str, stats: &'a Stats, error: Option<String>) -> Self {
        CaptureSummary { file, stats, error }
    }

    pub fn one_line(&self) -> String {
        let s = self.stats;
        format!(
            "{} frames, {} messages in {} SMB connections, {} Kerberos TCP connections and {} Kerberos UDP streams ({} TCP streams, {} UDP streams)",
            s.frames,
            s.messages,
            s.smb_connections,
            s.kerberos_connections,
            s.kerberos_udp_streams,
            s.tcp.streams,
            s.udp_streams
        )
    }

    /// Notes on what was skipped, cut or lost; `gaps_where`, when given, is
    /// appended to the note on missing TCP payload (where it is missing).
    pub fn cut_notes(&self, gaps_where: Option<&str>) -> Vec<String> {
        let s = self.stats;
        let mut v = Vec::new();
        if s.smb_connections == 0 {
            if let Some(hint) = other_ports_hint(&s.other_tcp_ports) {
                v.push(hint);
            }
        } else if let Some(note) = other_ports_note(&s.other_tcp_ports) {
            v.push(note);
        }
        for (why, n) in &s.skipped {
            v.push(format!("{n} frames skipped: {}", why.replace('_', " ")));
        }
        if s.frames_cut_by_snaplen > 0 {
            v.push(format!(
                "{} frames cut by the snaplen ({} bytes)",
                s.frames_cut_by_snaplen, s.tcp.snaplen_cut_bytes
            ));
        }
        if s.tcp.gap_bytes > 0 {
            v.push(format!(
                "{} bytes of TCP payload missing from the capture ({} gap{}){}",
                s.tcp.gap_bytes,
                s.tcp.gaps,
                if s.tcp.gaps == 1 { "" } else { "s" },
                gaps_where.map(|w| format!(": {w}")).unwrap_or_default()
            ));
        }
        if s.tcp.budget_dropped_bytes > 0 {
            v.push(format!(
                "{} out-of-order bytes dropped over the reassembly budget",
                s.tcp.budget_dropped_bytes
            ));
        }
        if s.messages_incomplete > 0 {
            v.push(format!(
                "{} messages incomplete (bytes missing)",
                s.messages_incomplete
            ));
        }
        if s.tcp.flows_evicted > 0 {
            v.push(format!(
                "{} TCP connections forgotten while still open (idle past the timeout, or over the tracking limit)",
                s.tcp.flows_evicted
            ));
        }
        if s.kerberos_bytes_dropped > 0 {
            v.push(format!(
                "{} bytes of Kerberos over TCP not decoded (a bad or over-long record marker, or a gap, lost the record boundaries)",
                s.kerberos_bytes_dropped
            ));
        }
        if s.requests_dropped > 0 {
            v.push(format!(
                "{} requests forgotten before their response (too many outstanding)",
                s.requests_dropped
            ));
        }
        if s.resync_skipped_bytes > 0 {
            v.push(format!(
                "{} bytes skipped while resynchronizing on SMB headers",
                s.resync_skipped_bytes
            ));
        }
        v
    }
}

/// "encrypted, ses 0x…, N bytes inside": what a TRANSFORM_HEADER shows
/// without the key; a field the capture cut off is left out, and a cut
/// OriginalMessageSize is said so.
pub(crate) fn encrypted_summary(t: &crate::pipeline::TransformInfo) -> String {
    let mut s = String::from("encrypted");
    if let Some(id) = t.session_id {
        let _ = write!(s, ", ses {id:#x}");
    }
    match t.original_size {
        Some(n) => {
            let _ = write!(s, ", {n} bytes inside");
        }
        None => s.push_str(", size cut off"),
    }
    s
}

/// "compressed, N bytes inside" and, for an unchained transform, its Offset
/// (the uncompressed part before the compressed segment); "size cut off"
/// when the capture cut the header before OriginalCompressedSegmentSize.
pub(crate) fn compressed_summary(t: &crate::pipeline::TransformInfo) -> String {
    let Some(n) = t.original_size else {
        return "compressed, size cut off".to_string();
    };
    match t.offset {
        Some(o) if o > 0 => format!("compressed, {n} bytes inside after {o} uncompressed"),
        _ => format!("compressed, {n} bytes inside"),
    }
}
