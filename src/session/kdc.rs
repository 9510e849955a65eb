//! Kerberos on port 88 (RFC 4120 3.1 AS exchange, 3.3 TGS exchange) joined
//! to the SMB story: each exchange is attached to the SMB connection of the
//! same client that was open at the time (shown in its timeline), and after
//! the capture each Kerberos session is given the TGS exchange that fetched
//! its service ticket (same client, same service principal, before the AP-REQ).

use std::fmt::Write as _;

use crate::auth::KrbMsgType;
use crate::pipeline::{Message, Transport};
use crate::report::fastfmt::StackStr;

use super::model::*;
use super::token::principal;
use super::{Builder, Model};

impl Builder {
    pub(super) fn kerberos(&mut self, m: &Message<'_>) {
        let dec = m.decode();
        let client_ip = if m.from_client {
            m.src.ip()
        } else {
            m.dst.ip()
        };
        let smb = self
            .last_conn_of_client
            .get(&client_ip)
            .copied()
            .filter(|&ci| conn_open_at(&self.model.connections[ci], m.ts));
        if let Some(ci) = smb.filter(|_| self.opts.timeline) {
            self.kerberos_entry(ci, m, &dec);
        }
        let smb_stream = smb.map(|ci| self.model.connections[ci].stream);
        let Some(Ok(k)) = &dec.kerberos else {
            return;
        };
        let transport = match m.transport {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        };
        match k.msg_type {
            KrbMsgType::AS_REQ | KrbMsgType::TGS_REQ => {
                let x = KdcExchange {
                    stream: m.stream,
                    transport,
                    client: m.src,
                    server: m.dst,
                    request: k.msg_type,
                    request_frame: m.frame,
                    time: m.ts,
                    client_principal: principal(k.cname.as_deref(), k.realm.as_deref()),
                    service_principal: principal(k.sname.as_deref(), k.realm.as_deref()),
                    etypes: k.etypes.to_vec(),
                    reply: None,
                    reply_frame: None,
                    error: None,
                    error_code: None,
                    e_text: None,
                    nt_status: None,
                    server_time: None,
                    ticket_enctype: None,
                    smb_stream,
                };
                if self.model.kdc.len() >= MAX_KDC_EXCHANGES {
                    self.model.kdc_omitted += 1;
                    return;
                }
                if self.kdc_pending.len() >= MAX_PENDING {
                    self.kdc_pending.clear();
                }
                let idx = self.model.kdc.len();
                self.kdc_pending.insert(m.frame, idx);
                self.kdc_of_client
                    .entry(x.client.ip())
                    .or_default()
                    .push(idx);
                self.model.kdc.push(x);
            }
            _ => {
                let Some(i) = m.request.and_then(|r| self.kdc_pending.remove(&r.frame)) else {
                    return;
                };
                let x = &mut self.model.kdc[i];
                x.reply = Some(k.msg_type);
                x.reply_frame = Some(m.frame);
                x.error_code = k.error_code;
                x.error = k.error.map(str::to_string);
                x.e_text = k.e_text.as_deref().map(str::to_string);
                x.server_time = k.stime.as_deref().map(str::to_string);
                x.nt_status = k.nt_status.as_deref().map(nt_status_name);
                x.ticket_enctype = k.ticket.as_ref().map(|t| t.enctype);
                if x.client_principal.is_none() {
                    x.client_principal = principal(k.cname.as_deref(), k.crealm.as_deref());
                }
                if self.opts.events {
                    let ev = super::events::Kerberos {
                        stream: m.stream,
                        time: m.ts,
                        exchange: x,
                    };
                    self.events.push("kerberos", m.stream, None, &ev);
                }
            }
        }
    }

    /// Adds a Kerberos message to the timeline of SMB connection `ci`.
    fn kerberos_entry(&mut self, ci: usize, m: &Message<'_>, dec: &crate::pipeline::Decoded) {
        if self.timeline_full(ci) {
            return;
        }
        let mut command = StackStr::<16>::new();
        match crate::report::messages::kerberos_msg_name(m.bytes.first().copied()) {
            Some(c) => {
                let _ = write!(command, "krb {c}");
            }
            None => command.push_str("krb"),
        }
        let transport = match m.transport {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        };
        let mut summary = std::mem::take(&mut self.timeline_summary);
        summary.clear();
        let _ = write!(summary, "[{transport}.stream {}] ", m.stream);
        if let Some(Ok(k)) = &dec.kerberos {
            let start = summary.len();
            k.summary_into(&mut summary);
            let cut = summary_head_len(summary.get(start..).unwrap_or_default());
            summary.replace_range(start..start + cut, "");
        }
        let mut error_name = StackStr::<32>::new();
        let krb_error = match &dec.kerberos {
            Some(Ok(k)) => k.error_code.inspect(|&c| match &k.error {
                Some(e) => error_name.push_str(e),
                None => {
                    let _ = write!(error_name, "KRB error {c}");
                }
            }),
            _ => None,
        };
        let entry = TimelineEntry {
            frame: m.frame,
            time: m.ts,
            from_client: m.from_client,
            command: command.as_str(),
            summary: &summary,
            status: None,
            krb_error: krb_error.map(|c| (c, error_name.as_str())),
            smb: false,
        };
        self.push_timeline(ci, &entry);
        self.timeline_summary = summary;
    }
}

/// "0xc0000072" → "STATUS_ACCOUNT_DISABLED" (or the text as given).
fn nt_status_name(s: &str) -> String {
    let hex = s.trim_start_matches("0x").trim_start_matches("0X");
    match u32::from_str_radix(hex, 16) {
        Ok(v) => crate::ntstatus::NtStatus(v).to_string(),
        Err(_) => s.to_string(),
    }
}

fn conn_open_at(c: &Connection, ts: crate::capture::Timestamp) -> bool {
    c.first_time <= ts && c.end.as_ref().is_none_or(|e| e.time >= ts)
}

/// Gives a Kerberos session the TGS exchange that fetched its ticket: the
/// latest TGS-REQ of the same client for the same service before the
/// session began. `by_client` indexes `model.kdc` by client address.
pub fn join_session(
    model: &mut Model,
    by_client: &crate::tcp::hash::KeyedHashMap<std::net::IpAddr, Vec<usize>>,
    si: usize,
) {
    let Some(s) = model.sessions.get(si) else {
        return;
    };
    let Some(sp) = s.service_principal.as_deref().map(strip_realm) else {
        return;
    };
    let client_ip = s.client.ip();
    let Some(list) = by_client.get(&client_ip) else {
        return;
    };
    let first_time = s.first_time;
    let found = list
        .iter()
        .map(|&i| &model.kdc[i])
        .filter(|x| x.request == KrbMsgType::TGS_REQ && x.time <= first_time)
        .rfind(|x| x.client.ip() == client_ip && x.service_name().as_deref() == Some(sp.as_str()));
    let Some(x) = found else {
        return;
    };
    let mut frames: Vec<u64> = std::iter::once(x.request_frame)
        .chain(x.reply_frame)
        .collect();
    let from_tgs = x
        .client_principal
        .clone()
        .filter(|p| x.reply == Some(KrbMsgType::TGS_REP) && !is_anonymous(p));
    // Under FAST the TGS-REP's outer cname is the anonymous principal and
    // the real one travels encrypted (RFC 6113 5.4.3): the ticket-granting
    // ticket came from the client's latest AS exchange before it.
    let from_as = || {
        let y = list
            .iter()
            .map(|&i| &model.kdc[i])
            .filter(|y| y.request == KrbMsgType::AS_REQ && y.reply == Some(KrbMsgType::AS_REP))
            .filter(|y| y.time <= x.time)
            .rfind(|y| {
                y.client_principal
                    .as_deref()
                    .is_some_and(|p| !is_anonymous(p))
            })?;
        Some((
            y.client_principal.clone()?,
            [y.request_frame, y.reply_frame?],
        ))
    };
    let principal = from_tgs.or_else(|| {
        let (p, f) = from_as().filter(|_| x.reply.is_some())?;
        frames.splice(0..0, f);
        Some(p)
    });
    let s = &mut model.sessions[si];
    s.kdc_frames = frames;
    if principal.is_some() {
        s.client_principal = principal;
    }
}

/// RFC 6111's anonymous principal, WELLKNOWN/ANONYMOUS (any realm).
fn is_anonymous(principal: &str) -> bool {
    principal
        .get(..19)
        .is_some_and(|p| p.eq_ignore_ascii_case("WELLKNOWN/ANONYMOUS"))
}

/// Indexes of the KDC exchanges of each client address, in capture order.
pub fn kdc_by_client(
    kdc: &[KdcExchange],
) -> crate::tcp::hash::KeyedHashMap<std::net::IpAddr, Vec<usize>> {
    let mut m: crate::tcp::hash::KeyedHashMap<std::net::IpAddr, Vec<usize>> = Default::default();
    for (i, x) in kdc.iter().enumerate() {
        m.entry(x.client.ip()).or_default().push(i);
    }
    m
}

/// How much of a Kerberos summary comes before the part the timeline shows:
/// "Kerberos " and the message type up to the next space, or all of it.
fn summary_head_len(summary: &str) -> usize {
    let body = summary.strip_prefix("Kerberos ").unwrap_or(summary);
    summary.len() - body.split_once(' ').map_or("", |(_, rest)| rest).len()
}
