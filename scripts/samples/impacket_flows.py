#!/usr/bin/python3
"""impacket_flows.py MODE SERVER_IP [USER PASSWORD]

Drives impacket (Debian's python3-impacket 0.10, run with /usr/bin/python3)
through SMB2 exchanges that its ready-made clients do not do; every message
is built by impacket's own code or structures, and nothing is sent that
impacket could not send by itself except where said below.

  negotiate-no-context
      A NEGOTIATE (impacket's SMB2Negotiate structure) offering 2.0.2, 2.1,
      3.0, 3.0.2 and 3.1.1 but with no negotiate contexts, as an SMB 3.1.1
      client that omits the required preauth-integrity context would send;
      prints the server's status and closes.
  ntlm-probe
      impacket's SMBConnection negotiates (SMB 2.1), then sends the first
      SESSION_SETUP exactly as impacket's login does (SPNEGO NegTokenInit
      with an NTLMSSP NEGOTIATE), prints what the CHALLENGE tells about the
      server (names, version) and closes the connection without answering:
      what host-discovery scanners do to read the "NTLM info".
  stale-session USER PASSWORD
      impacket's SMBConnection (SMB 2.1, so nothing is encrypted) logs in,
      connects to the share "share", logs off, and then lists the share
      with the session id it had before the logoff (impacket itself resets
      it to 0 after a LOGOFF; the script puts the old value back), as a
      client that goes on using a session the server has already deleted.
  refused-logoff USER PASSWORD USER2 PASSWORD2
      Two connections (SMB 2.1, signed: run against a server that requires
      signing). USER opens hello.txt on "share" sharing nothing and keeps
      it open; USER2 logs in on a second connection, sends a LOGOFF there
      with USER's SessionId (which that connection does not know), then
      opens hello.txt (a file in use); USER sends a LOGOFF whose signature
      is wrong (the script flips a byte of the signature impacket computed),
      USER2 opens hello.txt again; USER logs off for real, USER2 opens it a
      third time. LOGOFFs a server refuses, beside the opens they leave.
  logoff-relogon USER PASSWORD USER2 PASSWORD2
      One connection (SMB 2.1, so nothing is encrypted): USER logs in, lists
      the share "share" and logs off; USER2 logs in on the same connection
      (impacket sends SessionId 0 after a LOGOFF, as for a first logon),
      lists the share and logs off; then a SESSION_SETUP naming USER's
      logged-off session (the script puts that SessionId back, as
      stale-session does) is sent; last, USER logs in again with SessionId
      0 and lists the share. Prints the SessionIds the server gave.
  kerberos-then-ntlm USER PASSWORD DOMAIN REALM SERVER_NAME
      One connection (SMB 2.1, so nothing is encrypted): USER logs in with
      Kerberos, with the service ticket for cifs/SERVER_NAME from the MIT
      ccache KRB5CCNAME names (impacket's own TGS-REQ is refused by Samba
      4.17's KDC, see impacket-client-krb5-dc-inapp-cksum); when the server
      refuses it, USER logs in again on the same connection with NTLMSSP
      (DOMAIN), as Windows falls back to NTLM, and lists the share "share".
  setup-requires-signing USER PASSWORD
      impacket's SMBConnection negotiates SMB 2.1 with SecurityMode
      SIGNING_ENABLED (its RequireMessageSigning is False then); the script
      sets RequireMessageSigning before the login, so impacket's own login
      sends SESSION_SETUP requests with SecurityMode SIGNING_REQUIRED
      ([MS-SMB2] 3.2.4.2.3), and closes the connection right after the
      logon, with no message in the session: a session that requires
      signing, on a connection whose NEGOTIATE required none.
  rpc-refusals USER PASSWORD
      One connection (SMB 2.1, so nothing is encrypted), impacket's own
      DCE/RPC over the pipe srvsvc (WRITE and READ): first a bind naming an
      interface UUID the server does not serve (impacket's bind, with a
      made-up UUID), which the server refuses; then, on a second open of
      the pipe, a bind of [MS-SRVS] and NetrShareEnum (opnum 15,
      impacket's hNetrShareEnum), then a request of opnum 200, which
      [MS-SRVS] does not have (impacket's dce.call with 4 zero bytes of
      stub): the server answers it with a fault.
"""
import struct
import sys

from impacket import nmb, ntlm
from impacket.smb3structs import (SMB2_DIALECT_002, SMB2_DIALECT_21, SMB2_DIALECT_30,
                                  SMB2_DIALECT_302, SMB2_DIALECT_311, SMB2_NEGOTIATE,
                                  SMB2_NEGOTIATE_SIGNING_ENABLED, SMB2_SESSION_SETUP,
                                  SMB2Negotiate, SMB2Packet, SMB2SessionSetup,
                                  SMB2SessionSetup_Response, FILE_READ_DATA, FILE_SHARE_READ)
from impacket.smbconnection import SMBConnection
from impacket.spnego import SPNEGO_NegTokenInit, SPNEGO_NegTokenResp, TypesMech

mode, ip = sys.argv[1], sys.argv[2]


def negotiate_no_context():
    s = nmb.NetBIOSTCPSession('CLIENT1', ip, ip, nmb.TYPE_SERVER, 445, 10)
    p = SMB2Packet()
    p['Command'] = SMB2_NEGOTIATE
    p['CreditRequestResponse'] = 1
    n = SMB2Negotiate()
    n['SecurityMode'] = SMB2_NEGOTIATE_SIGNING_ENABLED
    n['Capabilities'] = 0
    n['ClientGuid'] = b'smbscope-sample!'
    n['Dialects'] = [SMB2_DIALECT_002, SMB2_DIALECT_21, SMB2_DIALECT_30,
                     SMB2_DIALECT_302, SMB2_DIALECT_311]
    n['DialectCount'] = len(n['Dialects'])
    p['Data'] = n
    s.send_packet(p.getData())
    r = SMB2Packet(s.recv_packet(10).get_trailer())
    print('NEGOTIATE status 0x%08x' % r['Status'])
    s.close()


def ntlm_probe():
    c = SMBConnection(ip, ip, preferredDialect=SMB2_DIALECT_21)
    s = c._SMBConnection
    setup = SMB2SessionSetup()
    setup['SecurityMode'] = SMB2_NEGOTIATE_SIGNING_ENABLED
    setup['Flags'] = 0
    blob = SPNEGO_NegTokenInit()
    blob['MechTypes'] = [TypesMech['NTLMSSP - Microsoft NTLM Security Support Provider']]
    blob['MechToken'] = ntlm.getNTLMSSPType1('', '', False).getData()
    setup['SecurityBufferLength'] = len(blob)
    setup['Buffer'] = blob.getData()
    p = s.SMB_PACKET()
    p['Command'] = SMB2_SESSION_SETUP
    p['Data'] = setup
    ans = s.recvSMB(s.sendSMB(p))
    print('SESSION_SETUP status 0x%08x' % ans['Status'])
    resp = SPNEGO_NegTokenResp(SMB2SessionSetup_Response(ans['Data'])['Buffer'])
    ch = ntlm.NTLMAuthChallenge(resp['ResponseToken'])
    info = ntlm.AV_PAIRS(ch['TargetInfoFields'])
    for k, name in [(ntlm.NTLMSSP_AV_HOSTNAME, 'host'), (ntlm.NTLMSSP_AV_DOMAINNAME, 'domain'),
                    (ntlm.NTLMSSP_AV_DNS_HOSTNAME, 'dns host')]:
        if info[k] is not None:
            print(name, info[k][1].decode('utf-16le'))
    if 'Version' in ch.fields and len(ch['Version']) >= 2:
        print('version %d.%d' % struct.unpack('<BB', ch['Version'][:2]))
    s.close_session()


def stale_session(user, password):
    c = SMBConnection(ip, ip, preferredDialect=SMB2_DIALECT_21)
    c.login(user, password, 'SAMPLES')
    s = c._SMBConnection
    c.connectTree('share')
    old = s._Session['SessionID']
    c.logoff()
    s._Session['SessionID'] = old
    try:
        c.listPath('share', '*')
        print('listPath succeeded')
    except Exception as e:  # the server's answer is the point
        print('listPath:', e)
    s.close_session()


def logoff_relogon(user, password, user2, password2):
    c = SMBConnection(ip, ip, preferredDialect=SMB2_DIALECT_21)
    s = c._SMBConnection
    c.login(user, password, 'SAMPLES')
    first = s._Session['SessionID']
    c.listPath('share', '*')
    c.logoff()
    c.login(user2, password2, 'SAMPLES')
    second = s._Session['SessionID']
    c.listPath('share', '*')
    c.logoff()
    s._Session['SessionID'] = first
    try_('login with the logged-off SessionId', lambda: c.login(user, password, 'SAMPLES'))
    s._Session['SessionID'] = 0
    c.login(user, password, 'SAMPLES')
    third = s._Session['SessionID']
    c.listPath('share', '*')
    print('SessionIds: 0x%x, 0x%x, 0x%x' % (first, second, third))
    c.logoff()
    s.close_session()


def try_(what, f):
    try:
        f()
        print(what, 'succeeded')
    except Exception as e:  # the server's answer is the point
        print(what + ':', e)


def refused_logoff(user, password, user2, password2):
    a = SMBConnection(ip, ip, preferredDialect=SMB2_DIALECT_21)
    a.login(user, password, 'SAMPLES')
    ta = a.connectTree('share')
    a.openFile(ta, 'hello.txt', desiredAccess=FILE_READ_DATA, shareMode=0)
    b = SMBConnection(ip, ip, preferredDialect=SMB2_DIALECT_21)
    b.login(user2, password2, 'SAMPLES')
    tb = b.connectTree('share')
    sa, sb = a._SMBConnection, b._SMBConnection
    own = sb._Session['SessionID']
    # a LOGOFF on b's connection naming a's session
    sb._Session['SessionID'] = sa._Session['SessionID']
    try_('logoff of the other session', sb.logoff)
    sb._Session['SessionID'] = own
    open_b = lambda: b.openFile(tb, 'hello.txt', desiredAccess=FILE_READ_DATA, shareMode=FILE_SHARE_READ)
    try_('open', open_b)
    # a LOGOFF whose signature does not verify
    sign = sa.signSMB

    def bad_sign(packet):
        sign(packet)
        sig = bytearray(packet['Signature'])
        sig[0] ^= 0xFF
        packet['Signature'] = bytes(sig)
    sa.signSMB = bad_sign
    try_('logoff with a bad signature', sa.logoff)
    sa.signSMB = sign
    try_('open', open_b)
    try_('logoff', sa.logoff)
    try_('open', open_b)
    b.logoff()
    sa.close_session()
    sb.close_session()


def kerberos_then_ntlm(user, password, domain, realm, server_name):
    c = SMBConnection(server_name, ip, preferredDialect=SMB2_DIALECT_21)
    s = c._SMBConnection
    try:
        c.kerberosLogin(user, '', realm, useCache=True)
        print('Kerberos login succeeded')
    except Exception as e:  # the server's answer is the point
        print('Kerberos login:', e)
        s._Session['SessionID'] = 0
        c.login(user, password, domain)
        print('NTLM login succeeded')
    c.listPath('share', '*')
    c.logoff()
    s.close_session()


def setup_requires_signing(user, password):
    c = SMBConnection(ip, ip, preferredDialect=SMB2_DIALECT_21)
    s = c._SMBConnection
    s.RequireMessageSigning = True
    c.login(user, password, 'SAMPLES')
    print('SessionId 0x%x' % s._Session['SessionID'])
    s.close_session()


def rpc_refusals(user, password):
    from impacket.dcerpc.v5 import srvs, transport
    from impacket.uuid import uuidtup_to_bin
    c = SMBConnection(ip, ip, preferredDialect=SMB2_DIALECT_21)
    c.login(user, password, 'SAMPLES')
    t = transport.SMBTransport(ip, filename=r'\srvsvc', smb_connection=c)
    dce = t.get_dce_rpc()
    dce.connect()
    unknown = uuidtup_to_bin(('5c0b05e1-7d6b-4d0c-9b1e-0123456789ab', '1.0'))
    try_('bind of an unknown interface', lambda: dce.bind(unknown))
    dce.disconnect()
    t = transport.SMBTransport(ip, filename=r'\srvsvc', smb_connection=c)
    dce = t.get_dce_rpc()
    dce.connect()
    dce.bind(srvs.MSRPC_UUID_SRVS)
    try_('NetrShareEnum', lambda: srvs.hNetrShareEnum(dce, 1))
    dce.call(200, b'\x00' * 4)
    try_('opnum 200', dce.recv)
    dce.disconnect()
    c.logoff()
    c.close()


if mode == 'negotiate-no-context':
    negotiate_no_context()
elif mode == 'ntlm-probe':
    ntlm_probe()
elif mode == 'stale-session':
    stale_session(sys.argv[3], sys.argv[4])
elif mode == 'refused-logoff':
    refused_logoff(sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6])
elif mode == 'logoff-relogon':
    logoff_relogon(sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6])
elif mode == 'kerberos-then-ntlm':
    kerberos_then_ntlm(sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7])
elif mode == 'setup-requires-signing':
    setup_requires_signing(sys.argv[3], sys.argv[4])
elif mode == 'rpc-refusals':
    rpc_refusals(sys.argv[3], sys.argv[4])
else:
    sys.exit(__doc__)
