#!/usr/bin/python3
"""A session bound to a second channel ([MS-SMB2] 3.2.4.1.7, 3.3.5.5.2) and
logged off on that channel: impacket on SMB 3.0.2, signing, no encryption.

  multichannel_logoff.py SERVER USER PASSWORD

Channel 1 logs in, connects to `share` and lists it; channel 2 (a second TCP
connection with the same ClientGuid) binds to the session with its own NTLM
exchange, lists the share, and sends LOGOFF; then channel 1 lists the share
again, which the server answers STATUS_USER_SESSION_DELETED (3.3.5.6: the
LOGOFF removed the session from every channel).  impacket has no binding of
its own: the binding SESSION_SETUP requests are built and signed here with
the session's signing key (3.2.4.1.1), and the channel's signing key is
derived from the binding's session key (3.2.5.3.1)."""
import sys

from impacket import crypto, ntlm
from impacket.smb3 import SMB3, SMB2_DIALECT_302
from impacket.smb3structs import (SMB2_FLAGS_SIGNED, SMB2_NEGOTIATE_SIGNING_REQUIRED,
                                  SMB2_SESSION_SETUP, SMB2SessionSetup,
                                  SMB2SessionSetup_Response)
from impacket.spnego import SPNEGO_NegTokenInit, SPNEGO_NegTokenResp, TypesMech
from impacket.nt_errors import STATUS_MORE_PROCESSING_REQUIRED, STATUS_SUCCESS

SMB2_SESSION_FLAG_BINDING = 0x01


class Channel(SMB3):
    """SMB3 whose NEGOTIATE carries a given ClientGuid (binding needs the
    session's own, 3.3.5.5.2) and that never encrypts."""

    guid = None

    def negotiateSession(self, preferredDialect=None, negSessionResponse=None):
        if Channel.guid is not None:
            self.ClientGuid = Channel.guid
        return SMB3.negotiateSession(self, preferredDialect, negSessionResponse)


def signing_key(session_key):
    return crypto.KDF_CounterMode(session_key, b"SMB2AESCMAC\x00", b"SmbSign\x00", 128)


def send_signed(c, packet, sid, key):
    """Sends `packet` on channel `c` for session `sid`, signed with `key`."""
    packet['MessageID'] = c._Connection['SequenceWindow']
    c._Connection['SequenceWindow'] += 1
    packet['SessionID'] = sid
    packet['CreditCharge'] = 1
    packet['CreditRequestResponse'] = 127
    packet['Flags'] = SMB2_FLAGS_SIGNED
    packet['Signature'] = b'\x00' * 16
    data = packet.getData()
    packet['Signature'] = crypto.AES_CMAC(key, data, len(data))
    c._NetBIOSSession.send_packet(packet.getData())
    return packet['MessageID']


def bind(c, sid, session_key, user, password):
    """Binds channel `c` to session `sid` (NTLM, as 3.2.4.2.3 for binding)."""
    key = signing_key(session_key)
    setup = SMB2SessionSetup()
    setup['SecurityMode'] = SMB2_NEGOTIATE_SIGNING_REQUIRED
    setup['Flags'] = SMB2_SESSION_FLAG_BINDING
    blob = SPNEGO_NegTokenInit()
    blob['MechTypes'] = [TypesMech['NTLMSSP - Microsoft NTLM Security Support Provider']]
    auth = ntlm.getNTLMSSPType1('', '', True)
    blob['MechToken'] = auth.getData()
    setup['SecurityBufferLength'] = len(blob)
    setup['Buffer'] = blob.getData()
    packet = c.SMB_PACKET()
    packet['Command'] = SMB2_SESSION_SETUP
    packet['Data'] = setup
    ans = c.recvSMB(send_signed(c, packet, sid, key))
    if not ans.isValidAnswer(STATUS_MORE_PROCESSING_REQUIRED):
        raise SystemExit('binding: no challenge')
    resp = SPNEGO_NegTokenResp(SMB2SessionSetup_Response(ans['Data'])['Buffer'])
    type3, channel_key = ntlm.getNTLMSSPType3(auth, resp['ResponseToken'], user, password, '', '', '')
    token = SPNEGO_NegTokenResp()
    token['ResponseToken'] = type3.getData()
    setup['SecurityBufferLength'] = len(token)
    setup['Buffer'] = token.getData()
    packet = c.SMB_PACKET()
    packet['Command'] = SMB2_SESSION_SETUP
    packet['Data'] = setup
    ans = c.recvSMB(send_signed(c, packet, sid, key))
    if not ans.isValidAnswer(STATUS_SUCCESS):
        raise SystemExit('binding refused: 0x%08x' % ans['Status'])
    # From now on the channel signs with its own key (3.2.5.3.1).
    c._Session['SessionID'] = sid
    c._Session['SessionKey'] = channel_key
    c._Session['SigningKey'] = signing_key(channel_key)
    c._Session['SigningRequired'] = True
    c._Session['SigningActivated'] = True


def main():
    server, user, password = sys.argv[1:4]
    one = Channel(server, server, preferredDialect=SMB2_DIALECT_302)
    one._Connection['SupportsEncryption'] = False
    one.RequireMessageSigning = True
    one._Connection['RequireSigning'] = True
    one.login(user, password)
    sid = one._Session['SessionID']
    one.connectTree('share')
    one.listPath('share', '*')
    Channel.guid = one.ClientGuid
    two = Channel(server, server, preferredDialect=SMB2_DIALECT_302)
    two._Connection['SupportsEncryption'] = False
    bind(two, sid, one._Session['SessionKey'], user, password)
    # The tree connect is the session's, valid on every channel (3.3.5.2.11).
    two._Session['TreeConnectTable'] = dict(one._Session['TreeConnectTable'])
    two.listPath('share', '*')
    print('channel 2 logoff:', two.logoff())
    try:
        one.listPath('share', '*')
        print('channel 1 after logoff: listed')
    except Exception as e:
        print('channel 1 after logoff:', e)


main()
