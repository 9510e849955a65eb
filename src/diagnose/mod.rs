//! The diagnose layer: findings from the session [`Model`], each with a
//! severity, a stable code (the list is [`codes::CODES`], documented in
//! docs/report.md), a title, an explanation, the evidence (stream and
//! frames) and the next thing to check.
//!
//! Severity means something: `error` is a failure the user will want
//! explained; `warning` a problem that did not stop the work or a weak
//! security setting; `info` a fact worth knowing. Statuses that are a normal
//! step of the protocol (STATUS_MORE_PROCESSING_REQUIRED between rounds,
//! STATUS_PENDING, STATUS_NO_MORE_FILES, a DFS referral refused by a server
//! without DFS, KDC_ERR_PREAUTH_REQUIRED before pre-authentication,
//! KRB_ERR_RESPONSE_TOO_BIG before a retry over TCP) make no finding.

mod anonymous;
pub mod codes;
mod coercion;
mod compression;
mod connection;
mod dos;
mod file;
mod group;
mod guessing;
mod kerberos;
mod lateral;
mod linux;
mod logon;
mod ms17_010;
pub(crate) use logon::identity;
mod negotiate;
mod own_logons;
mod platform;
mod posture;
mod roasting;
/// The RPC interfaces by UUID: the session layer's table (it names them
/// in the timeline too).
use crate::session::rpc;
mod steps;
mod tcp;
mod time;
mod tools;
mod tree;
mod tree_gone;
mod unc;

#[cfg(test)]
pub(crate) mod tests;

use serde::Serialize;

use crate::session::Model;

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One finding. Written (see [`Finding`]'s `Serialize`) with its fields
/// in this order, and, from [`Finding::covers`], `streams` and
/// `session_ids`.
#[derive(Clone, Debug)]
pub struct Finding {
    pub severity: Severity,
    /// Stable code, e.g. `logon.bad_password`.
    pub code: &'static str,
    pub title: String,
    pub explanation: String,
    pub next_step: String,
    /// Wireshark's tcp.stream (or udp.stream for Kerberos over UDP).
    pub stream: Option<u64>,
    /// "tcp" or "udp": which of Wireshark's stream numbers `stream` is
    /// (`covers`' are tcp.stream numbers); written as null when the finding
    /// names neither.
    pub transport: &'static str,
    /// Evidence: frame numbers, in order.
    pub frames: Vec<u64>,
    /// The session concerned; for a finding that stands for several
    /// sessions, the first one's (written only when it stands for one).
    pub session_id: Option<String>,
    /// The NTSTATUS (or SMB1 DOS-form error) or Kerberos error behind the
    /// finding, by name: a status and nothing else (`smbscope status` takes
    /// it).
    pub status: Option<String>,
    /// The identity concerned (DOMAIN\user or a Kerberos principal).
    pub user: Option<String>,
    /// The NTLM response a `posture.ntlmv1` finding is about, as
    /// `sessions[].ntlm_response` names it: "NTLMv1", "NTLMv1-ESS" or "LM".
    pub ntlm_response: Option<&'static str>,
    /// The weak Kerberos enctype a `posture.weak_enctype` finding is about,
    /// as `kerberos[].ticket_enctype` names it ("rc4-hmac").
    pub enctype: Option<String>,
    /// The tcp.stream and SessionId of each item a finding stands for when
    /// it stands for several (sessions, connections or refused requests
    /// grouped, or repeats merged; at most [`MAX_COVERS`]); empty otherwise.
    /// `--stream`, `--session` and `--host` match on it; written as
    /// `streams` and `session_ids`.
    pub covers: Vec<(u64, Option<u64>)>,
    /// Its evidence is on UDP and TCP (a Kerberos request over UDP and the
    /// TCP connection or repeats over TCP after it): `stream` is none,
    /// `covers` holds the items over TCP (one or more), `transport` is
    /// written as null, and the text names no Wireshark stream filter,
    /// which would leave the UDP frames out. Not written.
    pub udp_and_tcp: bool,
    /// The first frame of the earliest finding of the same severity this
    /// one explains (a lockout explains the wrong passwords before it): it
    /// sorts there, just before them, so that the report opens with the
    /// failure that ended the work rather than with its steps. Not written.
    pub explains_from: Option<u64>,
}

impl Serialize for Finding {
    /// The fields as a derive would write them, `None`s left out, but that
    /// `transport` is null when no stream is named, and that a finding that
    /// stands for several items ([`Finding::covers`]) has
    /// `streams` (their tcp.stream numbers, distinct, in order) and, when
    /// two or more of them are sessions, `session_ids` (their SessionIds,
    /// distinct, in order) instead of `session_id`, which would name the
    /// first only.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use crate::session::model::HexId;
        use serde::ser::SerializeStruct;
        let mut streams: Vec<u64> = self.covers.iter().map(|&(n, _)| n).collect();
        streams.sort_unstable();
        streams.dedup();
        // One session per (stream, SessionId).
        let mut sessions: Vec<(u64, u64)> = self
            .covers
            .iter()
            .filter_map(|&(n, id)| Some((n, id?)))
            .collect();
        sessions.sort_unstable();
        sessions.dedup();
        let several = sessions.len() > 1;
        let mut session_ids: Vec<HexId> = Vec::new();
        if several {
            session_ids.extend(sessions.iter().map(|&(_, id)| HexId(id)));
            session_ids.sort_unstable_by_key(|h| h.0);
            session_ids.dedup();
        }
        let mut st = s.serialize_struct("Finding", 15)?;
        st.serialize_field("severity", &self.severity)?;
        st.serialize_field("code", self.code)?;
        st.serialize_field("title", &self.title)?;
        st.serialize_field("explanation", &self.explanation)?;
        st.serialize_field("next_step", &self.next_step)?;
        st.serialize_field("stream", &self.stream)?;
        // Of the stream named: none when the finding names none, or when
        // its evidence is on UDP and TCP (merged repeats over UDP and TCP,
        // a UDP exchange and its TCP retry), `streams` naming the TCP ones.
        if self.udp_and_tcp || (self.stream.is_none() && streams.is_empty()) {
            st.serialize_field("transport", &None::<&str>)?;
        } else {
            st.serialize_field("transport", self.transport)?;
        }
        st.serialize_field("frames", &self.frames)?;
        if streams.is_empty() {
            st.skip_field("streams")?;
        } else {
            st.serialize_field("streams", &streams)?;
        }
        match &self.session_id {
            Some(id) if !several => st.serialize_field("session_id", id)?,
            _ => st.skip_field("session_id")?,
        }
        if session_ids.is_empty() {
            st.skip_field("session_ids")?;
        } else {
            st.serialize_field("session_ids", &session_ids)?;
        }
        match &self.status {
            Some(x) => st.serialize_field("status", x)?,
            None => st.skip_field("status")?,
        }
        match &self.user {
            Some(x) => st.serialize_field("user", x)?,
            None => st.skip_field("user")?,
        }
        match self.ntlm_response {
            Some(x) => st.serialize_field("ntlm_response", x)?,
            None => st.skip_field("ntlm_response")?,
        }
        match &self.enctype {
            Some(x) => st.serialize_field("enctype", x)?,
            None => st.skip_field("enctype")?,
        }
        st.end()
    }
}

/// Streams of a finding named as a Wireshark set ("tcp.stream in {2, 5}").
const FILTER_STREAMS: usize = 8;

impl Finding {
    /// Appends the Wireshark filter for the finding's stream, "tcp.stream eq
    /// N", or, when it stands for items on at most [`FILTER_STREAMS`]
    /// streams, "tcp.stream in {N, M}"; false when it wrote nothing.
    pub fn stream_filter(&self, out: &mut String) -> bool {
        if self.udp_and_tcp {
            return false;
        }
        if let Some(n) = self.stream {
            out.push_str(self.transport);
            out.push_str(".stream eq ");
            out.push_str(itoa::Buffer::new().format(n));
            return true;
        }
        let mut set = arrayvec::ArrayVec::<u64, FILTER_STREAMS>::new();
        for &(n, _) in &self.covers {
            if !set.contains(&n) && set.try_push(n).is_err() {
                return false;
            }
        }
        if set.is_empty() {
            return false;
        }
        set.sort_unstable();
        out.push_str("tcp.stream in {");
        for (i, n) in set.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(itoa::Buffer::new().format(*n));
        }
        out.push('}');
        true
    }
}

/// Items of a finding's [`Finding::covers`] kept.
pub const MAX_COVERS: usize = 4096;

/// Findings kept; past this they are counted in [`Diagnosis::omitted`].
pub const MAX_FINDINGS: usize = 1000;

/// All findings of a capture, most severe first.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Diagnosis {
    pub findings: Vec<Finding>,
    pub omitted: u64,
    /// How many findings of each code and severity the capture has, those
    /// not kept included: most severe first, then the most frequent.
    pub counts: Vec<CodeCount>,
}

/// The number of findings of one code and severity (repeats merged into
/// one finding count once, as in [`Diagnosis::findings`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CodeCount {
    pub code: &'static str,
    pub severity: Severity,
    pub count: u64,
}

impl Diagnosis {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    /// Findings of this severity kept in [`Diagnosis::findings`].
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }

    /// Findings of this severity in the whole capture, those not kept
    /// included.
    pub fn total(&self, s: Severity) -> u64 {
        self.counts
            .iter()
            .filter(|c| c.severity == s)
            .map(|c| c.count)
            .sum()
    }
}

/// A finding under construction.
pub(crate) struct Draft(Finding);

impl Draft {
    pub fn new(severity: Severity, code: &'static str, title: impl Into<String>) -> Draft {
        Draft(Finding {
            severity,
            code,
            title: title.into(),
            explanation: String::new(),
            next_step: String::new(),
            stream: None,
            transport: "tcp",
            frames: Vec::new(),
            session_id: None,
            status: None,
            user: None,
            ntlm_response: None,
            enctype: None,
            covers: Vec::new(),
            udp_and_tcp: false,
            explains_from: None,
        })
    }
    pub fn explain(mut self, s: impl Into<String>) -> Draft {
        self.0.explanation = s.into();
        self
    }
    pub fn next(mut self, s: impl Into<String>) -> Draft {
        self.0.next_step = s.into();
        self
    }
    pub fn stream(mut self, s: u64) -> Draft {
        self.0.stream = Some(s);
        self
    }
    /// The (tcp.stream, SessionId) of the items a grouped finding stands
    /// for: `stream` is theirs when they share one, none otherwise.
    pub fn covers(mut self, items: impl IntoIterator<Item = (u64, Option<u64>)>) -> Draft {
        let mut c: Vec<(u64, Option<u64>)> = items.into_iter().take(MAX_COVERS).collect();
        c.sort_unstable();
        c.dedup();
        self.0.stream = match c.first() {
            Some(&(s, _)) if c.iter().all(|&(t, _)| t == s) => Some(s),
            _ => None,
        };
        if c.len() > 1 {
            self.0.covers = c;
        }
        self
    }
    /// Evidence on UDP and TCP: the (tcp.stream, SessionId) of the items
    /// over TCP, kept in `covers` even when there is one; no stream is named
    /// (see [`Finding::udp_and_tcp`]).
    pub fn udp_and_tcp(mut self, tcp: impl IntoIterator<Item = (u64, Option<u64>)>) -> Draft {
        let mut c: Vec<(u64, Option<u64>)> = tcp.into_iter().take(MAX_COVERS).collect();
        c.sort_unstable();
        c.dedup();
        self.0.covers = c;
        self.0.stream = None;
        self.0.transport = "tcp";
        self.0.udp_and_tcp = true;
        self
    }
    pub fn transport(mut self, t: &'static str) -> Draft {
        self.0.transport = t;
        self
    }
    pub fn frames(mut self, f: impl IntoIterator<Item = u64>) -> Draft {
        self.0.frames.extend(f);
        self
    }
    pub fn session(mut self, s: impl std::fmt::Display) -> Draft {
        self.0.session_id = Some(s.to_string());
        self
    }
    pub fn status(mut self, s: impl Into<String>) -> Draft {
        self.0.status = Some(s.into());
        self
    }
    pub fn user(mut self, u: Option<String>) -> Draft {
        self.0.user = u;
        self
    }
    pub fn ntlm_response(mut self, kind: &'static str) -> Draft {
        self.0.ntlm_response = Some(kind);
        self
    }
    pub fn enctype(mut self, e: impl Into<String>) -> Draft {
        self.0.enctype = Some(e.into());
        self
    }
    /// This finding explains others of its severity whose evidence starts
    /// at `frame` or later: see [`Finding::explains_from`].
    pub fn explains_from(mut self, frame: Option<u64>) -> Draft {
        self.0.explains_from = frame;
        self
    }
    pub fn severity(mut self, s: Severity) -> Draft {
        self.0.severity = s;
        self
    }
    pub fn done(mut self) -> Finding {
        self.0.frames.sort_unstable();
        self.0.frames.dedup();
        self.0
    }
}

/// The findings the rules make, in the order they make them.
///
/// Of the final list (merged, sorted by [`order`], stably)
/// only the first [`MAX_FINDINGS`] are kept. A finding with a session is
/// never merged and its place in that order is fixed when it is made: once
/// `MAX_FINDINGS` findings with a session come before it, it cannot be kept,
/// and it is dropped (counted) at once instead of being held to the end.
/// A finding without a session is merged into the first one of the same
/// code, severity and title as it comes (a KDC error answered to each retry:
/// one finding with all the frames), which is what merging the whole list
/// at the end would do; [`Sink::repeat`] lets a rule merge a repeat before
/// it writes the repeat's texts, which merging throws away.
#[derive(Default)]
pub(crate) struct Sink {
    all: Vec<Finding>,
    /// Findings with a session dropped as above.
    dropped: u64,
    /// The length of `all` at which to drop again.
    next_compact: usize,
    /// Title → (code, severity, index in `all`) of each finding without a
    /// session: the finding that repeats of it merge into.
    firsts: crate::tcp::hash::KeyedHashMap<String, Vec<(&'static str, Severity, usize)>>,
    /// Findings made per code and severity (a few dozen codes: a list).
    counts: Vec<CodeCount>,
    /// Findings with a session in `all`.
    with_session: usize,
    /// The [`Order`] of the last finding with a session kept at the last
    /// [`Sink::compact`]: a finding with a session made after it that does
    /// not sort before it has [`MAX_FINDINGS`] others before it for good
    /// ([`Sink::unkept`]).
    cut: Option<Order>,
}

/// What [`Sink::merge_into`] takes of a repeat.
struct Repeat<'a> {
    stream: Option<u64>,
    transport: &'static str,
    frames: &'a [u64],
    covers: &'a [(u64, Option<u64>)],
    udp_and_tcp: bool,
}

/// Frames past which a merged finding takes no more repeats.
const MAX_MERGED_FRAMES: usize = 64;

impl Sink {
    pub fn push(&mut self, f: Finding) {
        if f.session_id.is_none() {
            if let Some(i) = self.first(f.code, f.severity, &f.title) {
                let theirs = Repeat {
                    stream: f.stream,
                    transport: f.transport,
                    frames: &f.frames,
                    covers: &f.covers,
                    udp_and_tcp: f.udp_and_tcp,
                };
                self.merge_into(i, theirs);
                return;
            }
            self.firsts.entry(f.title.clone()).or_default().push((
                f.code,
                f.severity,
                self.all.len(),
            ));
        }
        self.counted(f.code, f.severity);
        self.with_session += usize::from(f.session_id.is_some());
        self.all.push(f);
        // The first cut as soon as there is one, so that
        // [`Sink::unkept`] spares the texts of what cannot be kept early.
        let first_cut = self.cut.is_none() && self.with_session > MAX_FINDINGS;
        if first_cut || self.all.len() >= self.next_compact.max(4 * MAX_FINDINGS) {
            self.compact();
            self.next_compact = 2 * self.all.len();
        }
    }

    /// A finding with a session, of this code and severity, whose evidence
    /// starts at `first_frame` (the least of its frames) and that explains
    /// others from `explains_from` ([`Finding::explains_from`]), cannot be
    /// kept: [`MAX_FINDINGS`] findings with a session made before it sort
    /// before it or with it, and stay (only [`Sink::compact`] drops, and
    /// only what sorts after them). It is then counted as made and dropped,
    /// as [`Sink::push`] would have it, and the caller need not write its
    /// texts (on session-1g, 38,867 findings for 1,000 kept).
    pub fn unkept(
        &mut self,
        code: &'static str,
        severity: Severity,
        first_frame: u64,
        explains_from: Option<u64>,
    ) -> bool {
        let Some(cut) = self.cut else {
            return false;
        };
        if order_of(code, severity, first_frame, explains_from) < cut {
            return false;
        }
        self.counted(code, severity);
        self.dropped += 1;
        true
    }

    /// One more finding of this code and severity.
    fn counted(&mut self, code: &'static str, severity: Severity) {
        match self
            .counts
            .iter_mut()
            .find(|c| c.code == code && c.severity == severity)
        {
            Some(c) => c.count += 1,
            None => self.counts.push(CodeCount {
                code,
                severity,
                count: 1,
            }),
        }
    }

    /// A finding without a session with this code, severity and title is
    /// there already: the repeat's frames (of `stream` over `transport`) are
    /// merged into it, as [`Sink::push`] of the whole repeat would, and the
    /// caller need not make the repeat. False when there is none.
    pub fn repeat(
        &mut self,
        code: &'static str,
        severity: Severity,
        title: &str,
        stream: Option<u64>,
        transport: &'static str,
        frames: &[u64],
    ) -> bool {
        let Some(i) = self.first(code, severity, title) else {
            return false;
        };
        let theirs = Repeat {
            stream,
            transport,
            frames,
            covers: &[],
            udp_and_tcp: false,
        };
        self.merge_into(i, theirs);
        true
    }

    /// The finding without a session with this code, severity and title,
    /// to tell in its texts of the repeats merged into it.
    pub fn merged_into(
        &mut self,
        code: &'static str,
        severity: Severity,
        title: &str,
    ) -> Option<&mut Finding> {
        let i = self.first(code, severity, title)?;
        self.all.get_mut(i)
    }

    /// The index in `all` of the finding without a session that has this
    /// code, severity and title.
    fn first(&self, code: &'static str, severity: Severity, title: &str) -> Option<usize> {
        self.firsts
            .get(title)?
            .iter()
            .find(|&&(c, s, _)| c == code && s == severity)
            .map(|&(_, _, i)| i)
    }

    /// A repeat's frames added to finding `i` (until it has
    /// [`MAX_MERGED_FRAMES`]; past that the repeat's frames are left out);
    /// frames of several streams are named by frame number only, and the
    /// TCP streams go into [`Finding::covers`], those of repeats over UDP
    /// too when the finding's evidence is then on UDP and TCP
    /// ([`Finding::udp_and_tcp`]).
    fn merge_into(&mut self, i: usize, r: Repeat<'_>) {
        let Some(o) = self.all.get_mut(i) else { return };
        let one_stream = !o.udp_and_tcp && !r.udp_and_tcp && o.stream.is_some();
        if !(one_stream && (o.stream, o.transport) == (r.stream, r.transport)) {
            if o.covers.is_empty() && o.transport == "tcp" {
                o.covers.extend(o.stream.map(|s| (s, None)));
            }
            let tcp = (r.transport == "tcp").then_some(r.stream).flatten();
            let theirs = tcp
                .map(|s| (s, None))
                .into_iter()
                .chain(r.covers.iter().copied());
            // Sorted and deduplicated once, in `diagnose`: a search here
            // would cost a scan per repeat.
            for c in theirs {
                if o.covers.len() < MAX_COVERS && o.covers.last() != Some(&c) {
                    o.covers.push(c);
                }
            }
            if o.transport != r.transport || r.udp_and_tcp {
                o.udp_and_tcp = true;
                o.transport = "tcp";
            }
            o.stream = None;
        }
        if o.frames.len() >= MAX_MERGED_FRAMES {
            return;
        }
        o.frames.extend_from_slice(r.frames);
        o.frames.sort_unstable();
        o.frames.dedup();
    }

    /// Drops the findings with a session that `MAX_FINDINGS` others with a
    /// session come before.
    fn compact(&mut self) {
        // (order, place): the final order among findings with a session.
        let mut keys: Vec<(Order, usize)> = self
            .all
            .iter()
            .enumerate()
            .filter(|(_, f)| f.session_id.is_some())
            .map(|(i, f)| (order(f), i))
            .collect();
        if keys.len() <= MAX_FINDINGS {
            return;
        }
        let (_, &mut last, _) = keys.select_nth_unstable(MAX_FINDINGS - 1);
        self.cut = Some(last.0);
        self.with_session = MAX_FINDINGS;
        let mut i = 0;
        let before = self.all.len();
        self.all.retain(|f| {
            let keep = f.session_id.is_none() || (order(f), i) <= last;
            i += 1;
            keep
        });
        self.dropped += (before - self.all.len()) as u64;
        // The findings without a session moved up.
        for v in self.firsts.values_mut() {
            v.clear();
        }
        for (i, f) in self.all.iter().enumerate() {
            if f.session_id.is_none() {
                if let Some(v) = self.firsts.get_mut(f.title.as_str()) {
                    v.push((f.code, f.severity, i));
                }
            }
        }
    }
}

fn first_frame(f: &Finding) -> u64 {
    f.frames.first().copied().unwrap_or(0)
}

/// Where a finding sorts: (severity, a posture finding, frame, false when
/// it explains others).
type Order = (Severity, bool, u64, bool);

/// The report's order: the most severe first; within a severity, the
/// findings of what happened before the posture ones (`posture.*`: how the
/// client and server are set up, such as signing not required, rather than
/// what went wrong), then by the first evidence frame, except that a
/// finding that explains others sorts at the first frame of the earliest of
/// them, and before them ([`Finding::explains_from`]).
fn order(f: &Finding) -> Order {
    order_of(f.code, f.severity, first_frame(f), f.explains_from)
}

/// [`order`] of a finding of this code and severity, whose least frame is
/// `first_frame`, explaining others from `explains_from`.
fn order_of(code: &str, severity: Severity, first_frame: u64, explains_from: Option<u64>) -> Order {
    let posture = code.starts_with("posture.");
    match explains_from {
        Some(frame) => (severity, posture, frame.min(first_frame), false),
        None => (severity, posture, first_frame, true),
    }
}

/// Diagnoses a model.
pub fn diagnose(model: &Model) -> Diagnosis {
    let mut sink = Sink::default();
    let own = own_logons::SharedOwnLogons::new(model);
    negotiate::findings(model, &mut sink);
    logon::findings(model, &own, &mut sink);
    anonymous::findings(model, &own, &mut sink);
    kerberos::findings(model, &own, &mut sink);
    tree::findings(model, &mut sink);
    tree_gone::findings(model, &mut sink);
    connection::findings(model, &mut sink);
    tcp::findings(model, &mut sink);
    compression::findings(model, &mut sink);
    ms17_010::findings(model, &mut sink);
    file::findings(model, &mut sink);
    lateral::findings(model, &mut sink);
    lateral::rewrites(model, &mut sink);
    tools::findings(model, &mut sink);
    posture::findings(model, &mut sink);
    roasting::findings(model, &mut sink);
    let coerced = coercion::find(model);
    coercion::findings(&coerced, model, &mut sink);
    let guesses = guessing::find(model);
    guessing::findings(&guesses, &mut sink);
    let mut all = sink.all;
    for f in &mut all {
        linux_mount_line(model, f);
    }
    coercion::explained(&coerced, &mut all);
    guessing::explained(&guesses, &mut all);
    roasting::explained(&mut all);
    all.sort_by_key(order);
    // What was dropped comes after what is kept.
    let omitted = (all.len() as u64 + sink.dropped).saturating_sub(MAX_FINDINGS as u64);
    all.truncate(MAX_FINDINGS);
    for f in &mut all {
        f.covers.sort_unstable();
        f.covers.dedup();
    }
    let mut counts = sink.counts;
    counts.sort_by_key(|c| (c.severity, std::cmp::Reverse(c.count), c.code));
    Diagnosis {
        findings: all,
        omitted,
        counts,
    }
}

/// Appends to the next step of a logon, tree or negotiate finding with an
/// NTSTATUS what a Linux client mounting the share reports for it ("Linux
/// cifs mount: mount error(13): Permission denied", [`crate::ntstatus::cifs`]),
/// unless the capture shows every client concerned to be another client
/// (Windows, smbclient, impacket: [`platform::client_of`],
/// [`platform::Platform::may_be_cifs`]), or a connection concerned speaks
/// SMB1 (an SMB1 mount maps statuses through netmisc.c, not this map).
fn linux_mount_line(model: &Model, f: &mut Finding) {
    if !["logon.", "tree.", "negotiate."]
        .iter()
        .any(|p| f.code.starts_with(p))
    {
        return;
    }
    let Some(code) = f
        .status
        .as_deref()
        .and_then(crate::ntstatus::by_name)
        .map(|e| e.code)
    else {
        return;
    };
    let Some((errno, _)) = crate::ntstatus::cifs::errno_of(code) else {
        return;
    };
    let streams: Vec<u64> = f
        .stream
        .into_iter()
        .chain(f.covers.iter().map(|c| c.0))
        .collect();
    let conns = || streams.iter().filter_map(|&st| model.connection(st));
    let not_cifs = !streams.is_empty()
        && streams.iter().all(|&st| {
            model
                .connection(st)
                .is_some_and(|c| !platform::client_of(model, c).may_be_cifs())
        });
    // SMB1 (a vers=1.0 mount) maps statuses through netmisc.c, not this map.
    let smb1 = conns().any(|c| {
        c.smb1_used_frame.is_some()
            || c.smb1_negotiate
                .as_deref()
                .is_some_and(|n| n.answer == Some("smb1"))
    });
    if not_cifs || smb1 {
        return;
    }
    if !f.next_step.is_empty() && !f.next_step.ends_with(' ') {
        f.next_step.push(' ');
    }
    f.next_step.push_str(&format!(
        "Linux cifs mount: {}.",
        crate::ntstatus::cifs::mount_error(errno)
    ));
}

/// A "what to check" line that looks into the capture: a report has read
/// the capture already and shows what it found, so such a line is never a
/// report's next step.
pub(crate) fn in_capture(line: &str) -> bool {
    line.starts_with("In the capture:")
}

/// The next step for a finding of an NTSTATUS: the first "what to check" line
/// of our explanation that is not one to look into the capture
/// ([`in_capture`]), and when that is a step on Windows only, the first step on Samba with it (the capture
/// seldom says which the server is).
pub(crate) fn nt_next(code: u32) -> Option<String> {
    steps(crate::ntstatus::explain(code)?.check)
}

fn first_step(check: &'static [&'static str]) -> Option<&'static str> {
    check.iter().copied().find(|l| !in_capture(l))
}

/// [`first_step`] of `check`, with the first Samba step when that one is
/// for Windows only.
fn steps(check: &'static [&'static str]) -> Option<String> {
    let first = first_step(check)?;
    let samba = check.iter().find(|l| l.starts_with("Samba"));
    match samba {
        Some(s) if first.starts_with("Windows") && !first.contains("Samba") => {
            Some(crate::session::token::concat(&[first, " ", s]))
        }
        _ => Some(first.to_string()),
    }
}

/// Our NTSTATUS meaning, if any.
pub(crate) fn nt_meaning(code: u32) -> Option<&'static str> {
    crate::ntstatus::explain(code).map(|x| x.meaning)
}

/// Our Kerberos error meaning and next step ([`nt_next`]'s rules), if any.
pub(crate) fn krb_text(code: i32) -> (Option<&'static str>, Option<String>) {
    match crate::ntstatus::kerberos::explain(code) {
        Some(x) => (Some(x.meaning), steps(x.check)),
        None => (None, None),
    }
}
