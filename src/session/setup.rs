//! NEGOTIATE ([MS-SMB2] 2.2.3, 2.2.4; [MS-CIFS] 2.2.4.52 for SMB1) and
//! SESSION_SETUP / LOGOFF ([MS-SMB2] 2.2.5–2.2.8): the facts of the
//! connection's negotiate result and of each session's setup rounds.

use crate::capture::Timestamp;
use crate::ntstatus::NtStatus;
use crate::pipeline::{Decoded, Message};
use crate::smb2::negotiate::{
    CompressionAlgorithm, ContextData, NegotiateContextType, SecurityMode,
};
use crate::smb2::session_setup::{SessionFlags, SessionSetupRequestFlags};
use crate::smb2::smb1::{Smb1Flags2, Smb1Negotiate as Smb1Neg, Smb1SecurityMode};
use crate::smb2::{Body, Smb2Header};

use super::model::*;
use super::token::TokenFacts;
use super::{events, Builder, Pending};

/// What a SESSION_SETUP request said, kept until its response.
#[derive(Clone, Debug, Default)]
pub struct SetupRequest {
    pub facts: TokenFacts,
    pub binding: bool,
    /// Its SecurityMode had SMB2_NEGOTIATE_SIGNING_REQUIRED ([MS-SMB2] 2.2.5).
    pub signing_required: bool,
    /// The capture cut the request before its token could be read
    /// ([`Round::token_cut`]).
    pub cut: bool,
}

impl SetupRequest {
    pub fn new(m: &Message<'_>, dec: &Decoded) -> SetupRequest {
        let (binding, signing_required) = match &dec.body {
            Some(Ok(Body::SessionSetupRequest(r))) => (
                r.flags.contains(SessionSetupRequestFlags::BINDING),
                r.security_mode.contains(SecurityMode::SIGNING_REQUIRED),
            ),
            _ => (false, false),
        };
        let (facts, cut) = match &dec.auth {
            Some(Ok(a)) => (TokenFacts::from_auth(a), false),
            _ => (TokenFacts::default(), m.missing > 0),
        };
        SetupRequest {
            facts,
            binding,
            signing_required,
            cut,
        }
    }
}

/// What a SESSION_SETUP response answered.
pub(super) struct SetupAnswer {
    pub session_id: u64,
    pub status: u32,
    pub flags: SessionFlags,
    /// The id is the connection's own (an SMB1 UID, [MS-CIFS] 2.2.1.6): not
    /// looked up or indexed by server address, as a multichannel SMB2
    /// SessionId is.
    pub per_connection: bool,
    /// The response was signed: SMB2_FLAGS_SIGNED ([MS-SMB2] 2.2.1.2), or
    /// an SMB1 SecuritySignature ([`crate::smb2::smb1::Smb1Message::signed`]).
    pub signed: bool,
}

/// "NT LM 0.12, SMB 2.002" for a request; "dialect index 0xffff" for a response.
pub fn smb1_summary(n: &Smb1Neg) -> String {
    match n {
        Smb1Neg::Request { dialects } => format!("dialects {}", dialects.join(", ")),
        Smb1Neg::Response { dialect_index, .. } if *dialect_index == 0xFFFF => {
            "no common dialect (DialectIndex 0xFFFF)".to_string()
        }
        Smb1Neg::Response { dialect_index, .. } => format!("dialect index {dialect_index}"),
    }
}

/// Records an SMB1 NEGOTIATE request or response on the connection.
pub fn smb1_negotiate(c: &mut Connection, m: &Message<'_>, dec: &Decoded) {
    let Some(smb1) = dec.smb1.as_ref() else {
        return;
    };
    let Some(n) = smb1.negotiate.as_ref() else {
        return;
    };
    match n {
        Smb1Neg::Request { dialects } => {
            c.smb1_negotiate = Some(Box::new(Smb1Negotiate {
                request_frame: m.frame,
                offers_smb2: dialects.iter().any(|d| d.starts_with("SMB 2.")),
                dialects: dialects.clone(),
                response_frame: None,
                answer: None,
                dialect: None,
                plaintext_passwords: false,
                signing_required: false,
                signing_enabled: false,
                security_mode_seen: false,
                client_signing_required: smb1
                    .flags2
                    .contains(Smb1Flags2::SECURITY_SIGNATURE_REQUIRED),
            }));
        }
        Smb1Neg::Response {
            dialect_index,
            security_mode,
            ..
        } => {
            if let Some(s) = c.smb1_negotiate.as_mut() {
                s.response_frame = Some(m.frame);
                s.plaintext_passwords = security_mode
                    .is_some_and(|sm| !sm.contains(Smb1SecurityMode::ENCRYPT_PASSWORDS));
                s.signing_required = security_mode
                    .is_some_and(|sm| sm.contains(Smb1SecurityMode::SECURITY_SIGNATURES_REQUIRED));
                s.security_mode_seen = security_mode.is_some();
                s.signing_enabled = security_mode
                    .is_some_and(|sm| sm.contains(Smb1SecurityMode::SECURITY_SIGNATURES_ENABLED));
                s.answer = Some(if *dialect_index == 0xFFFF {
                    "none"
                } else {
                    "smb1"
                });
                s.dialect = s.dialects.get(usize::from(*dialect_index)).cloned();
            }
        }
    }
}

impl Builder {
    pub(super) fn negotiate_request(&mut self, ci: usize, m: &Message<'_>, _h: &Smb2Header) {
        let dec = m.decode();
        self.timeline(ci, m, &dec);
        let Some(Ok(Body::NegotiateRequest(r))) = &dec.body else {
            return;
        };
        let mut n = Negotiate {
            request_frame: Some(m.frame),
            request_time: Some(m.ts),
            offered_dialects: super::shared(&mut self.dialect_lists, &r.dialects),
            client_signing_required: r.security_mode.contains(SecurityMode::SIGNING_REQUIRED),
            client_capabilities: r.capabilities,
            client_dialect_count: Some(r.dialect_count),
            ..Negotiate::default()
        };
        let all_read =
            r.negotiate_contexts.len() == usize::from(r.negotiate_context_count.unwrap_or(0));
        if r.missing.is_empty() && all_read {
            let preauth = r
                .negotiate_contexts
                .iter()
                .filter(|c| c.context_type == NegotiateContextType::PREAUTH_INTEGRITY_CAPABILITIES);
            n.client_preauth_contexts = Some(preauth.count().min(usize::from(u16::MAX)) as u16);
        }
        n.client_guid = Some(r.client_guid);
        for ctx in &r.negotiate_contexts {
            match &ctx.data {
                ContextData::Encryption { ciphers } => {
                    n.ciphers_offered = super::shared(&mut self.cipher_lists, ciphers);
                }
                ContextData::Compression {
                    compression_algorithms,
                    ..
                } => {
                    n.client_compression_offered = compression_algorithms
                        .iter()
                        .any(|a| *a != CompressionAlgorithm::NONE);
                }
                _ => {}
            }
        }
        self.model.connections[ci].negotiate = Some(n);
        let (stream, frame, time, dialects) = (m.stream, m.frame, m.ts, r.dialects.len());
        self.emit("negotiate_request", stream, None, || {
            events::NegotiateRequest {
                stream,
                frame,
                time,
                dialects,
            }
        });
    }

    pub(super) fn negotiate_response(&mut self, ci: usize, m: &Message<'_>, h: &Smb2Header) {
        let dec = m.decode();
        self.timeline(ci, m, &dec);
        let server = self.model.connections[ci].server.ip();
        let lookups = m.request.and_then(|r| self.lookups.of(server, r.ts));
        let c = &mut self.model.connections[ci];
        // The answer to an SMB1 multi-protocol NEGOTIATE.
        if let (Some(s), Some(req)) = (c.smb1_negotiate.as_mut(), m.request) {
            if s.request_frame == req.frame {
                s.response_frame = Some(m.frame);
                s.answer = Some("smb2");
            }
        }
        let n = c.negotiate.get_or_insert_with(Negotiate::default);
        n.response_frame = Some(m.frame);
        n.status = Some(NtStatus(h.status));
        if let Some(r) = m.request {
            n.duration = Some(secs_between(m.ts, r.ts));
        }
        n.server_lookups = lookups;
        if let Some(Ok(Body::NegotiateResponse(r))) = &dec.body {
            n.dialect = Some(r.dialect);
            n.dialect_code = r.dialect.0;
            n.server_signing_required = r.security_mode.contains(SecurityMode::SIGNING_REQUIRED);
            n.server_signing_enabled = r.security_mode.contains(SecurityMode::SIGNING_ENABLED);
            n.capabilities = r.capabilities;
            n.server_clock_offset = r.system_time.map(|t| {
                let unix = (t.0 / 10_000_000) as f64 - crate::smb2::FileTime::EPOCH_DIFF as f64
                    + (t.0 % 10_000_000) as f64 / 1e7;
                unix - (m.ts.secs as f64 + f64::from(m.ts.nanos) / 1e9)
            });
            n.server_max_size = r
                .max_transact_size
                .max(r.max_read_size)
                .max(r.max_write_size);
            for ctx in &r.negotiate_contexts {
                match &ctx.data {
                    ContextData::Compression {
                        compression_algorithms,
                        ..
                    } => {
                        n.compression_algorithm = compression_algorithms
                            .iter()
                            .copied()
                            .find(|a| *a != CompressionAlgorithm::NONE);
                        n.compression_negotiated = n.compression_algorithm.is_some();
                    }
                    ContextData::Encryption { ciphers } => {
                        n.cipher = ciphers.first().copied();
                    }
                    ContextData::Signing { signing_algorithms } => {
                        n.signing_algorithm = signing_algorithms.first().copied();
                    }
                    _ => {}
                }
            }
        }
        if let Some(Ok(a)) = &dec.auth {
            let mechs = TokenFacts::from_auth(a).mech_types;
            n.server_mechanisms = super::shared(&mut self.mech_lists, &mechs);
        }
        if self.opts.events {
            let ev = events::NegotiateDone {
                stream: m.stream,
                frame: m.frame,
                time: m.ts,
                negotiate: n,
            };
            let hosts = Some((c.client.ip(), c.server.ip()));
            self.events.push("negotiate", m.stream, None, hosts, &ev);
        }
    }

    /// The session a SESSION_SETUP round belongs to; created when new.
    /// `ids`: the request's SessionId, the response's, and whether they are
    /// the connection's own (see [`SetupAnswer::per_connection`]).
    fn setup_session(
        &mut self,
        ci: usize,
        (req_sid, sid, per_connection): (u64, u64, bool),
        binding: bool,
        (frame, ts): (u64, Timestamp),
    ) -> usize {
        let stream = self.model.connections[ci].stream;
        if req_sid != 0 {
            // Not a session a LOGOFF ended before this request: the server
            // removed it ([MS-SMB2] 3.3.5.6) and refuses a SESSION_SETUP
            // naming it (USER_SESSION_DELETED, 3.3.5.5), which is a logon
            // attempt of its own, not a round of the ended session.
            let live = |i: &&usize| {
                let s = self.model.sessions.get(**i);
                s.is_some_and(|s| s.ended_frame.is_none_or(|e| e > frame))
            };
            if let Some(&i) = self.session_index.get(&(stream, req_sid)).filter(live) {
                return i;
            }
        }
        let c = &self.model.connections[ci];
        let (client, server) = (c.client, c.server);
        let dialect = match c.negotiate.as_ref().and_then(|n| n.dialect) {
            Some(d) => Some(SessionDialect::Smb2(d)),
            None => c
                .smb1_negotiate
                .as_ref()
                .and_then(|n| n.dialect.as_deref())
                .map(|d| SessionDialect::Smb1(d.into())),
        };
        let bound_to = if binding {
            self.session_by_id.get(&(server.ip(), sid)).copied()
        } else {
            None
        };
        let idx = self.model.sessions.len();
        let mut s = Session::blank(
            SessionPlace {
                stream,
                sid,
                client,
                server,
                dialect,
                first_frame: frame,
                first_time: ts,
            },
            Outcome::Unfinished,
        );
        s.bound_to_stream = bound_to.map(|b| self.model.sessions[b].stream);
        self.model.sessions.push(s);
        self.model.connections[ci].session_indexes.push(idx);
        if let Some(b) = bound_to {
            let chans = &mut self.model.sessions[b].channels;
            if !chans.contains(&stream) && chans.len() < 64 {
                chans.push(stream);
            }
        }
        if sid != 0 {
            self.session_index.insert((stream, sid), idx);
            if !per_connection {
                self.session_by_id.entry((server.ip(), sid)).or_insert(idx);
            }
        }
        idx
    }

    pub(super) fn setup_response(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        h: &Smb2Header,
        p: Option<Pending>,
    ) {
        let dec = m.decode();
        self.timeline(ci, m, &dec);
        let flags = match &dec.body {
            Some(Ok(Body::SessionSetupResponse(r))) => r.session_flags,
            _ => SessionFlags::default(),
        };
        let answer = SetupAnswer {
            session_id: h.session_id,
            status: h.status,
            flags,
            per_connection: false,
            signed: h.is_signed(),
        };
        self.setup_answer(ci, m, &dec, p, answer);
    }

    /// A SESSION_SETUP response (SMB2, or SMB1's SESSION_SETUP_ANDX with
    /// its UID as the SessionId): one round of the session's setup.
    pub(super) fn setup_answer(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        dec: &Decoded,
        p: Option<Pending>,
        a: SetupAnswer,
    ) {
        let SetupAnswer {
            session_id,
            status,
            flags,
            per_connection,
            signed,
        } = a;
        let (req, req_frame, req_ts, req_sid) = match p {
            Some(Pending {
                detail: super::Detail::Setup(r),
                frame,
                ts,
                sid,
                ..
            }) => (*r, frame, ts, sid),
            _ => {
                let (f, t) = m.request.map_or((m.frame, m.ts), |r| (r.frame, r.ts));
                (SetupRequest::default(), f, t, session_id)
            }
        };
        let at = (req_frame, req_ts);
        let ids = (req_sid, session_id, per_connection);
        let idx = self.setup_session(ci, ids, req.binding, at);
        let resp = match &dec.auth {
            Some(Ok(a)) => TokenFacts::from_auth(a),
            _ => TokenFacts::default(),
        };
        let mut round = new_round(&req, req_frame, req_ts);
        round.response_frame = Some(m.frame);
        round.duration = Some(secs_between(m.ts, req_ts));
        round.response_token = resp.token.clone();
        round.spnego_result = resp.spnego_result.clone();
        round.status = Some(NtStatus(status));
        if resp.krb_error.is_some() || resp.krb_stime.is_some() || resp.krb_ctime.is_some() {
            round.kerberos = Some(Box::new(RoundKrbError {
                error: resp.krb_error.as_ref().map(|e| e.1.clone()),
                error_code: resp.krb_error.as_ref().map(|e| e.0),
                server_time: resp.krb_stime.clone(),
                client_time: resp.krb_ctime.clone(),
            }));
        }
        round.challenge_without_signing = resp.challenge_without_signing;
        round.session_flags = flags;
        if round.mechanism.is_none() {
            round.mechanism = resp.mechanism;
        }
        let s = &mut self.model.sessions[idx];
        if s.id == 0 && session_id != 0 {
            s.id = session_id;
            s.session_id = HexId(session_id);
        }
        if req.signing_required && s.set_up_frame.is_none() {
            s.setup_signing_required.get_or_insert(req_frame);
        }
        apply_round(s, round, &req, flags, m.frame, m.ts, status);
        if resp.ntlm_version.is_some() {
            s.server_ntlm_version = resp.ntlm_version;
        }
        if resp.server_names.is_some() {
            // The names of the setup's last CHALLENGE, all of them: one
            // lacking a name leaves none of an earlier one.
            s.server_names = resp.server_names;
        }
        if resp.client_principal.is_some() {
            // IAKERB: the KDC's reply names the client in clear.
            s.client_principal = resp.client_principal;
        }
        if status == 0 && s.set_up_frame.is_none() {
            // Messages count from here; until one comes, whether the
            // session signs is what NEGOTIATE required.
            s.set_up_frame = Some(m.frame);
            s.final_response_signed = signed.then_some(m.frame);
            if s.messages_after_setup == 0 {
                s.signed = signed_by_setup(&self.model.connections[ci], s);
            }
        }
        let sid = s.id;
        let stream = s.stream;
        if sid != 0 {
            self.session_index.insert((stream, sid), idx);
            if !per_connection {
                let server = self.model.sessions[idx].server.ip();
                self.session_by_id.entry((server, sid)).or_insert(idx);
            }
        }
        let s = &self.model.sessions[idx];
        if self.opts.events {
            let ev = events::SessionSetup {
                stream,
                session_id: s.session_id,
                frame: m.frame,
                time: m.ts,
                outcome: s.outcome,
                user: s.user.as_deref(),
                domain: s.domain.as_deref(),
                mechanism: s.mechanism,
                round: s.rounds.last(),
                client_went_on: None,
            };
            let hosts = Some((s.client.ip(), s.server.ip()));
            self.events
                .push("session_setup", stream, Some(s.id), hosts, &ev);
        }
    }

    /// A SESSION_SETUP request that never got its response: gives the
    /// index of its session in `model.sessions`.
    pub(super) fn unanswered_setup(
        &mut self,
        ci: usize,
        frame: &u64,
        ts: Timestamp,
        sid: u64,
        req: SetupRequest,
    ) -> usize {
        let idx = self.setup_session(ci, (sid, sid, false), req.binding, (*frame, ts));
        let round = new_round(&req, *frame, ts);
        let s = &mut self.model.sessions[idx];
        take_identity(s, &req);
        s.outcome = Outcome::Unfinished;
        s.last_setup_frame = s.last_setup_frame.max(*frame);
        push_round(s, round);
        idx
    }

    /// The `session_setup` event of a SESSION_SETUP request (`frame`, at
    /// `ts`) left unanswered when its connection closed, as of a response:
    /// the session so far (named by the SessionId the client went on with,
    /// when it did, with its [`WentOn`]), `frame` and `time` the request's,
    /// `round` the unanswered one (no response_frame, no status). None when
    /// the session kept no round of it (past [`MAX_ROUNDS`]).
    pub(super) fn unanswered_setup_event(&mut self, si: usize, frame: u64, ts: Timestamp) {
        if !self.opts.events {
            return;
        }
        let Some(s) = self.model.sessions.get(si) else {
            return;
        };
        let Some(round) = s
            .rounds
            .iter()
            .rfind(|r| r.request_frame == frame && r.response_frame.is_none())
        else {
            return;
        };
        let ev = events::SessionSetup {
            stream: s.stream,
            session_id: s.session_id,
            frame,
            time: ts,
            outcome: s.outcome,
            user: s.user.as_deref(),
            domain: s.domain.as_deref(),
            mechanism: s.mechanism,
            round: Some(round),
            client_went_on: s.client_went_on.as_deref(),
        };
        let hosts = Some((s.client.ip(), s.server.ip()));
        self.events
            .push("session_setup", s.stream, Some(s.id), hosts, &ev);
    }

    /// On a connection whose capture lacks the server's side (no SMB
    /// message from the server, and bytes it sent missing: the report's
    /// connection.one_sided) but holds its NEGOTIATE request, a new
    /// session's setup whose last request got no response, followed by the
    /// client's messages with a SessionId no SESSION_SETUP of the capture
    /// shows, before any other session's setup began: the client went on
    /// with the SessionId the response gave it ([`WentOn`]). The session is
    /// named by it, and the SessionId's entry in
    /// [`Connection::unseen_setup_sessions`] marked as its
    /// ([`UnseenSetup::went_on_from`]).
    pub(super) fn went_on(&mut self, ci: usize) {
        let c = &self.model.connections[ci];
        let start_seen = c
            .negotiate
            .as_ref()
            .is_some_and(|n| n.request_frame.is_some());
        if c.server_messages != 0 || c.server_gap_bytes == 0 || !start_seen {
            return;
        }
        // The connection's sessions by their first request.
        let mut order: Vec<(u64, usize)> = c
            .session_indexes
            .iter()
            .filter_map(|&i| self.model.sessions.get(i).map(|s| (s.first_frame, i)))
            .collect();
        order.sort_unstable();
        for k in 0..order.len() {
            let (_, si) = order[k];
            let next = order.get(k + 1).map_or(u64::MAX, |n| n.0);
            let Some(s) = self.model.sessions.get(si) else {
                continue;
            };
            let unanswered = s.outcome == Outcome::Unfinished
                && s.rounds.last().is_some_and(|r| r.response_frame.is_none());
            if !unanswered {
                continue;
            }
            let (after, id, first) = (s.last_setup_frame, s.id, s.first_frame);
            let c = &mut self.model.connections[ci];
            let Some(u) = c
                .unseen_setup_sessions
                .iter_mut()
                .filter(|u| {
                    !u.smb1
                        && u.went_on_from.is_none()
                        && u.session_id != 0
                        && (id == 0 || u.session_id == id)
                        && u.messages > 0
                        && u.first_frame > after
                        && u.first_frame < next
                })
                .min_by_key(|u| u.first_frame)
            else {
                continue;
            };
            u.went_on_from = Some(first);
            let w = WentOn {
                first_frame: u.first_frame,
                last_frame: u.last_frame,
                requests: u.messages,
                signed_requests: u.signed,
            };
            let sid = u.session_id;
            let s = &mut self.model.sessions[si];
            s.id = sid;
            s.session_id = HexId(sid);
            // The client signs its requests exactly when the session signs
            // ([MS-SMB2] 3.2.4.1.1): its side shows what the setup's
            // missing answer would have.
            s.signed = Some(w.requests > 0 && w.signed_requests == w.requests);
            s.client_went_on = Some(Box::new(w));
        }
    }

    /// A LOGOFF response. Only one that succeeded ended the session: the
    /// server ends it on every channel ([MS-SMB2] 3.3.5.6). One answered
    /// STATUS_USER_SESSION_DELETED found no session of that SessionId in
    /// the connection's own SessionTable (3.3.5.2.4, 3.3.5.2.9): the
    /// session is gone from this connection, ended earlier. A SessionId is
    /// unique on the server, the key of its GlobalSessionTable (3.3.1.8,
    /// 3.3.5.5.1), but the lookup that failed is the connection's: the
    /// session may live on on another connection (a LOGOFF sent with
    /// another connection's SessionId), so it ends on this connection
    /// only, as an SMB1 UID does. Refused otherwise (STATUS_ACCESS_DENIED
    /// for a signature that does not verify, 3.3.5.2.4), it ended nothing:
    /// the session, its opens and its `logoff_frame` stay as they were,
    /// and the refusal is an error.
    ///
    /// The session is the request's (`p`): the server looks up and ends the
    /// SessionId of the request (3.3.5.2.9, 3.3.5.6). A response whose
    /// header carries SessionId 0 where its request named a session
    /// (impacket's smbserver.py does so) is that session's, and counts as
    /// its message; as an SMB1 LOGOFF_ANDX ends its request's UID.
    pub(super) fn logoff(
        &mut self,
        ci: usize,
        m: &Message<'_>,
        h: &Smb2Header,
        p: Option<Pending>,
    ) {
        self.timeline(ci, m, &Decoded::default());
        let (stream, frame) = (m.stream, m.frame);
        let sid = match p.as_ref().map(|p| p.sid) {
            Some(asked) if h.session_id == 0 && asked != 0 => {
                let protection = if h.is_signed() {
                    Protection::Signed
                } else {
                    Protection::Neither
                };
                self.after_setup(ci, (stream, frame), asked, protection, false, false);
                asked
            }
            _ => h.session_id,
        };
        let st = NtStatus(h.status);
        if st == NtStatus::SUCCESS || st == NtStatus::USER_SESSION_DELETED {
            self.unseen_setup_ended(ci, sid, false, frame);
        }
        if st == NtStatus::SUCCESS {
            self.mark_session(stream, sid, |s| s.logoff_frame = Some(frame));
            self.logged_off(ci, sid, frame);
            self.session_ended(ci, sid, false);
        } else if st == NtStatus::USER_SESSION_DELETED {
            self.mark_session(stream, sid, |s| {
                s.logoff_frame = Some(frame);
                s.ended_frame.get_or_insert(frame);
            });
            self.session_ended(ci, sid, true);
        }
        let time = m.ts;
        self.emit("logoff", stream, Some(sid), || events::Logoff {
            stream,
            frame,
            time,
            session_id: HexId(sid),
        });
        if st != NtStatus::SUCCESS && st != NtStatus::USER_SESSION_DELETED {
            // Refused, the LOGOFF ended nothing ([MS-SMB2] 3.3.5.6): what
            // the session keeps open is counted with the error.
            let mut e = self.error_record(m, h, p.as_ref(), None);
            e.open_files = Some(self.session_opens(ci, sid));
            self.keep_error(ci, m, e);
        }
    }
}

impl Builder {
    /// A LOGOFF that ended session `sid`, answered with success at `frame`
    /// on connection `ci`: the server deregisters the session, whichever
    /// channel the LOGOFF came on ([MS-SMB2] 3.3.5.6), so [`Session::ended_frame`] is
    /// set on the session's entry of this connection, on its first entry
    /// and on the entries of the channels bound to it.
    fn logged_off(&mut self, ci: usize, sid: u64, frame: u64) {
        let c = &self.model.connections[ci];
        let (stream, server) = (c.stream, c.server.ip());
        let first = self.session_by_id.get(&(server, sid)).copied();
        let channels = first
            .and_then(|f| self.model.sessions.get(f))
            .map_or(0, |s| s.channels.len());
        let own = self.session_index.get(&(stream, sid)).copied();
        let end = |i: usize, sessions: &mut Vec<Session>| {
            if let Some(s) = sessions.get_mut(i).filter(|s| s.id == sid) {
                s.ended_frame.get_or_insert(frame);
            }
        };
        for i in own.into_iter().chain(first) {
            end(i, &mut self.model.sessions);
        }
        for k in 0..channels {
            let ch = first
                .and_then(|f| self.model.sessions.get(f))
                .and_then(|s| s.channels.get(k).copied());
            if let Some(&i) = ch.and_then(|ch| self.session_index.get(&(ch, sid))) {
                end(i, &mut self.model.sessions);
            }
        }
    }
}

/// Whether a session with no message after its setup is signed, as its
/// connection's NEGOTIATE, its SESSION_SETUP requests and its final
/// SESSION_SETUP response show it ([`Session::signed`]); None when they do
/// not.
///
/// Signed: a session of the user's own (not guest or anonymous, which have
/// no key to sign with) on a connection whose NEGOTIATE had
/// SIGNING_REQUIRED on either side, so both must sign ([MS-SMB2] 3.2.5.3.1,
/// 3.3.5.5.3; SMB1: the server's SecurityMode, [MS-CIFS] 2.2.4.52.2); or
/// one whose SESSION_SETUP request had SIGNING_REQUIRED in its
/// SecurityMode, which a client sets when its RequireMessageSigning is TRUE
/// (3.2.4.2.3), as it sets the bit in its NEGOTIATE request then
/// (3.2.4.2.2.2): the client requires signing as if its NEGOTIATE had said
/// so, which shows the session signed when the capture lacks the NEGOTIATE
/// ([`Session::setup_signing_required`]; Samba's smbd, too, makes the
/// session require signing on this bit of the request); or whose final SESSION_SETUP response was signed where that shows the
/// session signs: in SMB1, where signing, once active, signs every message
/// of the connection ([MS-CIFS] 3.3.5.3, 3.2.4.1.1), and in SMB 2.0.2 and
/// 2.1, where the server signs it only for a session that requires
/// signing, whose every message is signed then ([MS-SMB2] 3.3.5.5.3,
/// 3.2.4.1.1). Not in SMB 3.x, which signs it in every session with a key
/// ([`super::model::signed_whatever_the_session`]). Unsigned: a guest or
/// anonymous session, or neither side requiring signing in a NEGOTIATE the
/// capture holds both halves of. Unknown otherwise: no NEGOTIATE (or half
/// of one), and a final response that does not settle it.
fn signed_by_setup(c: &super::Connection, s: &Session) -> Option<bool> {
    use super::SessionDialect;
    if s.outcome != Outcome::Success {
        return Some(false);
    }
    let smb2 = c.negotiate.as_ref();
    let smb1 = c
        .smb1_negotiate
        .as_ref()
        .filter(|n| n.answer == Some("smb1"));
    let required = smb2.is_some_and(|n| n.client_signing_required || n.server_signing_required)
        || smb1.is_some_and(|n| n.signing_required)
        || s.setup_signing_required.is_some();
    if required {
        return Some(true);
    }
    if s.final_response_signed.is_some() {
        match &s.dialect {
            Some(SessionDialect::Smb1(_)) => return Some(true),
            Some(SessionDialect::Smb2(d)) if d.0 != 0x02FF && d.0 < 0x0300 => return Some(true),
            _ => {}
        }
    }
    let whole = smb2.is_some_and(|n| n.request_frame.is_some() && n.response_frame.is_some())
        || smb1.is_some_and(|n| n.response_frame.is_some());
    whole.then_some(false)
}

fn new_round(req: &SetupRequest, frame: u64, ts: Timestamp) -> Round {
    Round {
        request_frame: frame,
        time: ts,
        response_frame: None,
        duration: None,
        mechanism: req.facts.mechanism,
        request_token: req.facts.token.clone(),
        identity: req.facts.identity(),
        binding: req.binding,
        token_cut: req.cut,
        ..Round::default()
    }
}

fn push_round(s: &mut Session, r: Round) {
    if s.rounds.len() < MAX_ROUNDS {
        // Most sessions have one to three rounds: no room kept for more.
        s.rounds.reserve_exact(1);
        s.rounds.push(r);
    } else {
        s.rounds_omitted += 1;
    }
}

/// Copies the identity a request names onto the session.
fn take_identity(s: &mut Session, req: &SetupRequest) {
    let f = &req.facts;
    if let Some(m) = f.mechanism {
        s.mechanism = Some(m);
    }
    if f.ntlm_version.is_some() {
        s.client_ntlm_version = f.ntlm_version;
        s.client_ntlm_version_of = f.ntlm_version_of;
    }
    if f.user.is_some() {
        s.user = f.user.clone().filter(|u| !u.is_empty());
        s.domain = f.domain.clone().filter(|d| !d.is_empty());
        s.workstation = f.workstation.clone();
        s.ntlm_response = f.ntlm_response;
    }
    if f.service_principal.is_some() {
        s.service_principal = f.service_principal.clone();
        s.ticket_enctype = f.ticket_enctype;
        s.ticket_kvno = f.ticket_kvno;
        s.authenticator_enctype = f.authenticator_enctype;
    }
}

fn apply_round(
    s: &mut Session,
    mut round: Round,
    req: &SetupRequest,
    flags: SessionFlags,
    frame: u64,
    ts: Timestamp,
    status: u32,
) {
    let was_established = s.outcome.established()
        && s.rounds.last().and_then(|r| r.status) == Some(NtStatus::SUCCESS);
    round.reauthentication = was_established && !round.binding;
    if round.reauthentication {
        s.reauthentications += 1;
    }
    take_identity(s, req);
    if s.mechanism.is_none() {
        s.mechanism = round.mechanism;
    }
    s.status = Some(NtStatus(status));
    s.last_setup_frame = frame;
    s.setup_duration = Some(secs_between(ts, s.first_time));
    s.outcome = match NtStatus(status) {
        NtStatus::SUCCESS => {
            s.session_flags = round.session_flags;
            if flags.contains(SessionFlags::ENCRYPT_DATA) {
                s.encrypted = true;
            }
            if flags.contains(SessionFlags::IS_GUEST) {
                Outcome::Guest
            } else if flags.contains(SessionFlags::IS_NULL) || s.ntlm_response == Some("anonymous")
            {
                Outcome::Anonymous
            } else {
                Outcome::Success
            }
        }
        NtStatus::MORE_PROCESSING_REQUIRED => Outcome::Unfinished,
        _ => Outcome::Failure,
    };
    push_round(s, round);
}
