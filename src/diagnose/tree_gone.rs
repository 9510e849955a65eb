//! Requests on a tree connect the server no longer has: answered
//! STATUS_NETWORK_NAME_DELETED ([MS-SMB2] 3.3.5.2.11: the server looks the
//! request's TreeId up in its session's Session.TreeConnectTable and fails
//! it so when it is not there). What the capture shows of the TreeId tells
//! why: the session disconnected it itself, the server ended it while it
//! was in use, it is another session's, or its tree connect is not in the
//! capture.

use std::net::IpAddr;

use arrayvec::ArrayVec;

use crate::ntstatus::NtStatus;
use crate::session::{Connection, ErrorEvent, HexId, Model, Session, Tree};
use crate::tcp::hash::KeyedHashMap;

use super::file::and_list;
use super::logon::{identity, user_of};
use super::{Draft, Severity, Sink};

const CODE: &str = "tree.name_deleted";

/// The refusals of one session's requests on one TreeId.
struct Refused<'a> {
    c: &'a Connection,
    first: &'a ErrorEvent,
    last: &'a ErrorEvent,
    count: u64,
    commands: ArrayVec<&'a str, 4>,
}

/// What the capture shows of the TreeId ([`why`]).
enum Gone<'a> {
    /// The session's own tree connect, disconnected by its TREE_DISCONNECT
    /// (response at the frame) before the refusal.
    Disconnected(&'a Tree, u64),
    /// The session's own tree connect, in the capture and not disconnected.
    Dropped(&'a Tree),
    /// Its tree connect is not in the capture; the tree the capture shows
    /// in use with it before the refusal, if any (`unseen_connect`).
    NotSeen(Option<&'a Tree>),
    /// The tree connect of another session of the connection.
    OtherSession(&'a Tree, Option<&'a Session>),
}

pub(super) fn findings(model: &Model, out: &mut Sink) {
    let groups = refusals(model);
    if groups.is_empty() {
        return;
    }
    // The model's trees by server, SessionId and TreeId, and by stream and
    // TreeId, built only when a refusal needs them.
    let mut by_session: KeyedHashMap<(IpAddr, u64, u32), Vec<&Tree>> = KeyedHashMap::default();
    let mut by_stream: KeyedHashMap<(u64, u32), Vec<&Tree>> = KeyedHashMap::default();
    for t in model.trees.iter().filter(|t| t.tree_id.is_some()) {
        by_session
            .entry((t.server_ip, t.sid, t.tid))
            .or_default()
            .push(t);
        by_stream.entry((t.stream, t.tid)).or_default().push(t);
    }
    for g in &groups {
        let gone = why(model, g, &by_session, &by_stream);
        out.push(finding(model, g, &gone));
    }
}

/// The STATUS_NETWORK_NAME_DELETED answers of SMB2 requests with a TreeId,
/// grouped by connection, SessionId and TreeId, in the order of the first.
fn refusals(model: &Model) -> Vec<Refused<'_>> {
    let mut groups: Vec<Refused<'_>> = Vec::new();
    for c in &model.connections {
        let start = groups.len();
        for e in c.errors.iter().filter(|e| {
            e.status_code == NtStatus::NETWORK_NAME_DELETED.0 && e.request_tid.is_some()
        }) {
            let same = |g: &&mut Refused<'_>| {
                g.first.session_id == e.session_id && g.first.request_tid == e.request_tid
            };
            match groups[start..].iter_mut().find(same) {
                Some(g) => {
                    g.count += 1;
                    g.last = e;
                    if !g.commands.contains(&e.command.as_str()) && !g.commands.is_full() {
                        g.commands.push(&e.command);
                    }
                }
                None => {
                    let mut commands = ArrayVec::new();
                    commands.push(e.command.as_str());
                    groups.push(Refused {
                        c,
                        first: e,
                        last: e,
                        count: 1,
                        commands,
                    });
                }
            }
        }
    }
    groups
}

/// The latest tree of `trees` made before `frame` (by its TREE_CONNECT
/// response, or its first answer when the capture lacks that).
fn latest_before<'a>(trees: Option<&Vec<&'a Tree>>, frame: u64) -> Option<&'a Tree> {
    trees?
        .iter()
        .copied()
        .filter(|t| made_at(t) < frame)
        .max_by_key(|t| made_at(t))
}

fn made_at(t: &Tree) -> u64 {
    t.response_frame
        .or(t.unseen_connect.as_ref().map(|u| u.first_frame))
        .unwrap_or(u64::MAX)
}

fn why<'a>(
    model: &'a Model,
    g: &Refused<'a>,
    by_session: &KeyedHashMap<(IpAddr, u64, u32), Vec<&'a Tree>>,
    by_stream: &KeyedHashMap<(u64, u32), Vec<&'a Tree>>,
) -> Gone<'a> {
    let tid = g.first.request_tid.unwrap_or_default();
    let sid = g.first.session_id.0;
    let frame = g.first.frame;
    let own = latest_before(by_session.get(&(g.c.server.ip(), sid, tid)), frame);
    match own {
        Some(t) if t.unseen_connect.is_some() => return Gone::NotSeen(Some(t)),
        Some(t) => {
            return match t.disconnect_frame.filter(|&d| d < frame) {
                Some(d) => Gone::Disconnected(t, d),
                None => Gone::Dropped(t),
            }
        }
        None => {}
    }
    let other = by_stream.get(&(g.c.stream, tid)).and_then(|ts| {
        ts.iter()
            .copied()
            .filter(|t| t.sid != sid && t.succeeded() && made_at(t) < frame)
            .max_by_key(|t| made_at(t))
    });
    match other {
        Some(t) => {
            let s = model
                .sessions_of(g.c)
                .find(|s| s.session_id == t.session_id);
            Gone::OtherSession(t, s)
        }
        None => Gone::NotSeen(None),
    }
}

fn session<'a>(model: &'a Model, c: &'a Connection, id: HexId) -> Option<&'a Session> {
    model.sessions_of(c).find(|s| s.session_id == id)
}

fn finding(model: &Model, g: &Refused<'_>, gone: &Gone<'_>) -> super::Finding {
    let s = session(model, g.c, g.first.session_id);
    let who = s.map_or_else(
        || "a session whose logon is not in the capture".to_string(),
        identity,
    );
    let sid = g.first.session_id;
    let tid = HexId(u64::from(g.first.request_tid.unwrap_or_default()));
    let commands = and_list(&g.commands);
    let times = if g.count > 1 {
        format!(
            " ({} requests, frames {}-{})",
            g.count, g.first.frame, g.last.frame
        )
    } else {
        String::new()
    };
    let asked = format!(
        "The server answered {commands} of session {sid} ({who}) on TreeId {tid} with STATUS_NETWORK_NAME_DELETED{times}: it has no tree connect of that TreeId in the session ([MS-SMB2] 3.3.5.2.11)."
    );
    let mut frames: ArrayVec<u64, 4> = ArrayVec::new();
    let mut add = |f: u64| {
        if !frames.contains(&f) && !frames.is_full() {
            frames.push(f);
        }
    };
    let (title, why, next) = match gone {
        Gone::Disconnected(t, d) => {
            t.response_frame.into_iter().for_each(&mut add);
            add(*d);
            (
                format!("{commands} on a tree disconnected at frame {d}: STATUS_NETWORK_NAME_DELETED"),
                format!("{asked} TreeId {tid} was the session's tree connect to {} (frame {}), which its own TREE_DISCONNECT ended at frame {d}: the client went on with a TreeId it had given up, a client bug.", t.share, t.response_frame.unwrap_or_default()),
                "Report it to the client's maker with this capture; connecting to the share again (a new TREE_CONNECT: remount, net use) gives a TreeId the server knows.".to_string(),
            )
        }
        Gone::Dropped(t) => {
            t.response_frame.into_iter().for_each(&mut add);
            (
                format!("The server ended the tree connect to {} while it was in use: {commands} refused with STATUS_NETWORK_NAME_DELETED", t.share),
                format!("{asked} The session connected to {} at frame {} (TreeId {tid}) and did not disconnect it: the server ended the tree connect itself. A server does so when the share is removed or closed by an administrator (Samba: its section deleted from smb.conf and the configuration reloaded, or 'smbcontrol smbd close-share NAME'; Windows: Remove-SmbShare or 'net share NAME /delete', a cluster role moved to another node), or when the share's path is gone.", t.share, t.response_frame.unwrap_or_default()),
                server_next(),
            )
        }
        Gone::NotSeen(used) => {
            let used = used.map_or_else(String::new, |t| {
                let first = t.unseen_connect.as_ref().map_or(0, |u| u.first_frame);
                add(first);
                format!(" The server answered requests on it from frame {first} on (that tree in trees[]), so it ended the tree connect since.")
            });
            (
                format!("{commands} on TreeId {tid} refused with STATUS_NETWORK_NAME_DELETED: the server has no such tree connect"),
                format!("{asked} The TREE_CONNECT that gave TreeId {tid} is not in the capture (made before it began).{used} The server ended it (the share removed or closed by an administrator, a cluster failover, the share's path gone), or the client uses a TreeId the session never had (a client bug)."),
                format!("{} A capture that begins before the client connects to the share shows which share the TreeId is.", server_next()),
            )
        }
        Gone::OtherSession(t, other) => {
            t.response_frame.into_iter().for_each(&mut add);
            let logoff = other
                .and_then(|o| o.logoff_frame)
                .map_or_else(String::new, |f| {
                    add(f);
                    format!(", which logged off at frame {f}")
                });
            (
                format!("Session {sid} used the TreeId of another session: {commands} refused with STATUS_NETWORK_NAME_DELETED"),
                format!("{asked} TreeId {tid} is session {}'s tree connect to {} (frame {}){logoff}; session {sid} made no TREE_CONNECT of its own for it. A tree connect belongs to the session that made it, so the server refused the requests: a client bug. smbclient does this after its 'logoff' and 'logon' commands on one connection: the new session goes on with the old one's TreeId.", t.session_id, t.share, t.response_frame.unwrap_or_default()),
                "Connect to the share again in the new session (smbclient: run a new smbclient rather than 'logoff' and 'logon'); of another client, report it to its maker with this capture.".to_string(),
            )
        }
    };
    add(g.first.request_frame.unwrap_or(g.first.frame));
    add(g.first.frame);
    Draft::new(Severity::Error, CODE, title)
        .explain(why)
        .next(next)
        .stream(g.c.stream)
        .frames(frames)
        .session(sid)
        .status("STATUS_NETWORK_NAME_DELETED")
        .user(s.and_then(user_of))
        .done()
}

/// What to look at on the server when it ended a tree connect.
fn server_next() -> String {
    "On the server, see whether the share still exists and what changed it then (Samba: testparm -s for its section, smbstatus -S, the smbd log; Windows: Get-SmbShare, the SMBServer/Operational and Microsoft-Windows-FailoverClustering logs). The client must connect to the share again (a new TREE_CONNECT): Windows and Linux cifs clients do so by themselves when the share is back; remount or 'net use' again otherwise.".to_string()
}
