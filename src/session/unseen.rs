//! Sessions in use whose SESSION_SETUP the capture lacks (set up before it
//! began): [`Model::unseen_sessions`], made from the connections'
//! [`Connection::unseen_setup_sessions`] when the model is finished.

use super::model::{
    Encryption, Outcome, Session, SessionDialect, SessionPlace, UnseenSetup, UnseenSetupSeen,
};
use super::{Connection, Model};

/// The entries of [`Connection::unseen_setup_sessions`] that are sessions
/// in use the capture does not show set up: the server answered for them
/// ([`UnseenSetup::shown_frame`]: not with STATUS_USER_SESSION_DELETED,
/// [MS-SMB2] 3.3.5.2.9, nor SMB1's ERRSRV/ERRbaduid), not a SessionId a
/// client went on with after a SESSION_SETUP of the capture
/// ([`UnseenSetup::went_on_from`]: that session is in
/// [`Model::sessions`]), and not reauthenticated in the capture (a
/// SESSION_SETUP of it there made an entry in [`Model::sessions`]).
pub fn in_use<'a>(model: &'a Model, c: &'a Connection) -> impl Iterator<Item = &'a UnseenSetup> {
    c.unseen_setup_sessions.iter().filter(move |u| {
        u.shown_frame.is_some()
            && u.went_on_from.is_none()
            && !model.sessions_of(c).any(|s| s.id == u.session_id)
    })
}

/// Fills [`Model::unseen_sessions`] (and each connection's
/// [`Connection::unseen_session_indexes`]): one [`Session`] per
/// [`in_use`] entry, connection by connection, with its trees.
pub(super) fn fill(model: &mut Model) {
    let mut made = Vec::new();
    for (ci, c) in model.connections.iter().enumerate() {
        for u in in_use(model, c) {
            made.push((ci, session(model, c, u)));
        }
    }
    for (ci, s) in made {
        if let Some(c) = model.connections.get_mut(ci) {
            c.unseen_session_indexes.push(model.unseen_sessions.len());
        }
        model.unseen_sessions.push(s);
    }
}

/// The session of entry `u` of connection `c`: no setup (no rounds, no
/// identity, status unknown), its messages counted as a session's after
/// its setup are.
fn session(model: &Model, c: &Connection, u: &UnseenSetup) -> Session {
    let dialect = match c.negotiate.as_ref().and_then(|n| n.dialect) {
        Some(d) if !u.smb1 => Some(SessionDialect::Smb2(d)),
        _ => c
            .smb1_negotiate
            .as_ref()
            .and_then(|n| n.dialect.as_deref())
            .filter(|_| u.smb1)
            .map(|d| SessionDialect::Smb1(d.into())),
    };
    let trees = model
        .trees
        .iter()
        .filter(|t| t.stream == c.stream && t.sid == u.session_id)
        .filter_map(|t| t.tree_id)
        .collect();
    let place = SessionPlace {
        stream: c.stream,
        sid: u.session_id,
        client: c.client,
        server: c.server,
        dialect,
        first_frame: u.first_frame,
        first_time: c.first_time,
    };
    let mut s = Session {
        encrypted: u.encrypted > 0,
        encryption: Encryption::None,
        signed: signed(u),
        messages_after_setup: u.messages,
        signed_after_setup: u.signed,
        encrypted_after_setup: u.encrypted,
        signed_regardless_after_setup: u.signed_regardless,
        compressed_after_setup: u.compressed,
        first_unsigned_frame: u.first_unsigned_frame,
        first_unencrypted_frame: u.first_unencrypted_frame,
        last_setup_frame: 0,
        logoff_frame: u.ended_frame,
        ended_frame: u.ended_frame,
        unseen_setup: Some(Box::new(UnseenSetupSeen {
            first_frame: u.first_frame,
            last_frame: u.last_frame,
            shown_frame: u.shown_frame.unwrap_or(u.first_frame),
            smb1: u.smb1,
            verified_signed: u.verified_signed.map(|(a, b)| [a, b]),
            trees,
        })),
        ..Session::blank(place, Outcome::Unseen)
    };
    s.encryption = Encryption::of(&s);
    s
}

/// What its messages show of its signing, as [`Session::signed`] says it
/// for a session set up in the capture: every one not encrypted signed,
/// and one at least. None (cannot tell) when no message of it was counted,
/// or when the signed ones are all TREE_CONNECT and SESSION_SETUP messages,
/// which SMB 3.x signs in a session that signs nothing else
/// ([`UnseenSetup::signed_regardless`]), and none was encrypted; then a
/// signed request the server answered without an error
/// ([`UnseenSetup::verified_signed`]) still shows the client signs.
fn signed(u: &UnseenSetup) -> Option<bool> {
    if u.messages == 0 {
        return None;
    }
    let all = u.first_unsigned_frame.is_none() && u.signed > 0;
    if all && u.encrypted == 0 && u.signed_regardless >= u.signed && u.verified_signed.is_none() {
        return None;
    }
    Some(all)
}
