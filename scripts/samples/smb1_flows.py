#!/usr/bin/python3
"""smb1_flows.py MODE SERVER_IP [ARGS]

Drives impacket's SMB1 client (Debian's python3-impacket 0.10, run with
/usr/bin/python3, `from impacket import smb`) through SMB1 exchanges its
ready-made calls do not make: every message is built from impacket's own
structures and sent by its SMB class.

  dos-logon USER PASSWORD
      An SMB1 client that does not use NT status codes: its NEGOTIATE
      (NT LM 0.12, no extended security) and every later request leave
      SMB_FLAGS2_NT_STATUS (0x4000) out of Flags2, and its
      SESSION_SETUP_ANDX leaves CAP_STATUS32 (0x40) out of Capabilities,
      which is what makes smbd answer errors in the DOS form
      (ErrorClass/ErrorCode, [MS-CIFS] 2.2.3.1). It logs on with an NTLMv1
      response (impacket's login_standard builds the same, but always
      announces CAP_STATUS32). A wrong PASSWORD makes the logon fail; with
      the right one it connects to the share "NOSUCHSHARE", which does not
      exist, then to "share", and opens the file "no-such-file.txt", which
      does not exist either (TREE_CONNECT_ANDX and NT_CREATE_ANDX by
      impacket's tree_connect_andx and nt_create_andx). Prints each error's
      class and code.
  sharing-violation FORM USER PASSWORD
      A file in use, in the DOS form (FORM dos: as dos-logon, no NT status
      codes) or as NTSTATUS (FORM nt: NT_STATUS in Flags2, CAP_STATUS32).
      Two connections of the same client log on as USER without extended
      security (NTLMv1) and connect to "share". The first creates
      report.txt (NT_CREATE_ANDX, FILE_OVERWRITE_IF, read and write data,
      ShareAccess 0: shares nothing) and keeps it open; the second opens it
      for reading (ShareAccess read and write), refused with a sharing
      violation (ERRDOS/ERRbadshare, STATUS_SHARING_VIOLATION). The second
      then sends a LOGOFF_ANDX with the first connection's UID, which is
      not a session of its own connection (UIDs are the connection's,
      [MS-CIFS] 2.2.1.6), and is refused; it opens report.txt again, refused
      again; it searches the share for names that match nothing with a
      TRANS2_FIND_FIRST2 (no-such-*.txt) and an SMB_COM_SEARCH
      (no-such-file.txt, [MS-CIFS] 2.2.4.58; smbd answers a search without
      wildcards that matches nothing with STATUS_NO_MORE_FILES,
      ERRDOS/ERRnofiles), and logs off. The first closes report.txt, logs
      off, and both close. Prints each answer's status.
  stale-tid FORM USER PASSWORD
      Requests on a TID the server no longer has: a session of
      sharing-violation's (FORM dos or nt) connected to "share" opens and
      closes hello.txt, disconnects the tree (TREE_DISCONNECT), then sends
      a TRANS2_FIND_FIRST2 of \\* and an NT_CREATE_ANDX of hello.txt with
      the TID it had, and logs off. Prints each answer's status.
  too-many-open USER PASSWORD COUNT
      The DOS-form client of dos-logon connects to "share" and opens
      hello.txt COUNT times with NT_CREATE_ANDX (reading, sharing read and
      write) without closing any, past the server's 'max open files'; stops
      at the third refusal. Prints each refusal's class and code.
  ms17-010-check
      The MS17-010 check of vulnerability scanners (nmap's
      smb-vuln-ms17-010, Metasploit's smb_ms17_010): impacket's SMB
      negotiates (with extended security and NT status codes, as those
      scanners do), logs on anonymously, connects to IPC$ and sends an
      SMB_COM_TRANSACTION with the setup words TRANS_PEEK_NMPIPE (0x0023)
      and FID 0 ([MS-CIFS] 2.2.4.33.1, 2.2.5.5) on the name "\\PIPE\\", with
      MaxParameterCount and MaxDataCount 0xFFFF as nmap sends them. A
      Windows server without the MS17-010 update answers
      STATUS_INSUFF_SERVER_RESOURCES (0xC0000205); prints what this
      server answers.
  plaintext-logon USER PASSWORD
      An SMB1 client that sends its password in clear when the server asks
      for it: its NEGOTIATE (NT LM 0.12, NT status codes, no extended
      security) is answered by a server with 'encrypt passwords = no'
      without NEGOTIATE_ENCRYPT_PASSWORDS and without a challenge
      (ChallengeLength 0, [MS-CIFS] 2.2.4.52.2), and impacket's
      login_standard then puts PASSWORD itself in OEMPassword, with an
      empty UnicodePassword ([MS-CIFS] 3.2.4.2.4). On success it connects
      to "share" and disconnects. Prints the logon's status.
  files USER PASSWORD
      File reads and writes on the share "share" after an NTLMSSP logon
      (impacket's login): an SMB_COM_OPEN_ANDX of hello.txt with an
      SMB_COM_READ_ANDX chained to it by AndX ([MS-CIFS] 2.2.4.41,
      2.2.4.42; the server reads the file the OPEN_ANDX opened) and its
      CLOSE; an SMB_COM_NT_CREATE_ANDX of written.bin (2.2.4.64), one
      WRITE_ANDX of 70000 bytes (DataLengthHigh 1, [MS-SMB] 2.2.4.3.1)
      and one READ_ANDX of them back (MaxCountHigh 1, [MS-SMB] 2.2.4.2.1),
      and its CLOSE; then an NT_CREATE_ANDX of no-such-file.txt with a
      READ_ANDX chained to it, refused in the first command. Prints what
      each answer says.
  chained-tree-connect USER PASSWORD SHARE
      A logon and a tree connect in one message, as Windows NT 4.0 to XP
      and many NAS and printers send them: its NEGOTIATE (NT LM 0.12, NT
      status codes, no extended security) is followed by an
      SMB_COM_SESSION_SETUP_ANDX with an NTLMv1 response (built as
      impacket's login_standard builds it) with an
      SMB_COM_TREE_CONNECT_ANDX of \\SERVER_IP\SHARE chained to it by AndX
      ([MS-CIFS] 2.2.3.4, 2.2.4.53, 2.2.4.55; impacket's addCommand sets
      AndXCommand and AndXOffset). When the tree connect succeeds, it opens
      hello.txt on the new TID (NT_CREATE_ANDX), reads it (READ_ANDX),
      closes it and disconnects the tree; then it logs off. Prints the
      answer's status, UID and TID, and what the chain's response holds.
  logoff-relogon USER PASSWORD
      One connection, impacket's SMB1 client as it is (NT LM 0.12,
      extended security, NTLMSSP): USER logs on, lists the share "SHARE"
      and logs off (LOGOFF_ANDX), three times on the same connection. The
      second logon's SESSION_SETUP_ANDX keeps the logged-off UID in its
      header (the script puts it back after impacket's logoff cleared it,
      as a client that does not forget it would send it); the third has UID
      0. Against impacket's own SMB1 server (smbserver.py without
      -smb2support), which gives every logon UID 10 and answers a
      LOGOFF_ANDX with UID 0 in its header. Prints each answer's UID.
"""
import os
import struct
import sys

from impacket import nmb, ntlm, smb

mode, ip = sys.argv[1], sys.argv[2]

# Flags2 of a client without NT status codes, extended security or Unicode.
DOS_FLAGS2 = smb.SMB.FLAGS2_LONG_NAMES
# CAP_STATUS32 ([MS-CIFS] 2.2.4.53.1) is impacket's CAP_USE_NT_ERRORS.
DOS_CAPS = smb.SMB.CAP_RAW_MODE | smb.SMB.CAP_LARGE_READX | smb.SMB.CAP_LARGE_WRITEX


def error_of(p):
    """'class 0x02 code 0x0002' (DOS form) or 'NTSTATUS 0x...' of an answer."""
    if p['Flags2'] & smb.SMB.FLAGS2_NT_STATUS:
        code = p['ErrorClass'] | p['_reserved'] << 8 | p['ErrorCode'] << 16
        return 'NTSTATUS 0x%08x' % code
    return 'class 0x%02x code 0x%04x' % (p['ErrorClass'], p['ErrorCode'])


def connection(flags2):
    """An impacket SMB over a NEGOTIATE of our own (NT LM 0.12, no extended
    security), its requests with FLAGS2."""
    sess = nmb.NetBIOSTCPSession('CLIENT1', ip, ip, nmb.TYPE_SERVER, 445, 10)
    neg = smb.NewSMBPacket()
    neg['Flags1'] = smb.SMB.FLAGS1_PATHCASELESS | smb.SMB.FLAGS1_CANONICALIZED_PATHS
    neg['Flags2'] = flags2
    neg['Pid'] = os.getpid() & 0xFFFF
    cmd = smb.SMBCommand(smb.SMB.SMB_COM_NEGOTIATE)
    cmd['Data'] = b'\x02NT LM 0.12\x00'
    neg.addCommand(cmd)
    sess.send_packet(neg.getData())
    answer = sess.recv_packet(10).get_trailer()
    s = smb.SMB(ip, ip, session=sess, negPacket=answer)
    s.set_flags(flags2=flags2)
    return s


def dos_connection():
    """An impacket SMB over a NEGOTIATE of our own, without NT_STATUS."""
    return connection(DOS_FLAGS2)


def status_of(p):
    """'ERROR class 0x.. code 0x....' / 'NTSTATUS 0x...' or 'success'."""
    if p['ErrorClass'] == 0 and p['ErrorCode'] == 0 and p['_reserved'] == 0:
        return 'success'
    return error_of(p)


def setup_v1_command(s, user, password, caps):
    """The SESSION_SETUP_ANDX command without extended security (NTLMv1
    response to the NEGOTIATE's challenge) with Capabilities CAPS."""
    challenge = s._dialects_data['Challenge']
    lm = ntlm.get_ntlmv1_response(ntlm.compute_lmhash(password), challenge)
    nt = ntlm.get_ntlmv1_response(ntlm.compute_nthash(password), challenge)
    setup = smb.SMBCommand(smb.SMB.SMB_COM_SESSION_SETUP_ANDX)
    setup['Parameters'] = smb.SMBSessionSetupAndX_Parameters()
    setup['Data'] = smb.SMBSessionSetupAndX_Data()
    setup['Parameters']['MaxBuffer'] = 61440
    setup['Parameters']['MaxMpxCount'] = 2
    setup['Parameters']['VCNumber'] = 1
    setup['Parameters']['SessionKey'] = s._dialects_parameters['SessionKey']
    setup['Parameters']['AnsiPwdLength'] = len(lm)
    setup['Parameters']['UnicodePwdLength'] = len(nt)
    setup['Parameters']['Capabilities'] = caps
    setup['Data']['AnsiPwd'] = lm
    setup['Data']['UnicodePwd'] = nt
    setup['Data']['Account'] = user
    setup['Data']['PrimaryDomain'] = 'SAMPLES'
    setup['Data']['NativeOS'] = 'Unix'
    setup['Data']['NativeLanMan'] = 'smbscope sample'
    return setup


def logon_v1(s, user, password, caps):
    """A SESSION_SETUP_ANDX without extended security (NTLMv1 response) with
    Capabilities CAPS; returns the answer."""
    p = smb.NewSMBPacket()
    p.addCommand(setup_v1_command(s, user, password, caps))
    s.sendSMB(p)
    r = s.recvSMB()
    print('SESSION_SETUP_ANDX %s, UID %d' % (error_of(r), r['Uid']))
    return r


def dos_logon(user, password):
    s = dos_connection()
    r = logon_v1(s, user, password, DOS_CAPS)
    if r['ErrorClass'] != 0:
        s.close_session()
        return
    s.set_uid(r['Uid'])
    try:
        s.tree_connect_andx('\\\\%s\\NOSUCHSHARE' % ip)
        print('TREE_CONNECT_ANDX connected to a share that should not exist')
    except smb.SessionError as e:
        print('TREE_CONNECT_ANDX NOSUCHSHARE class 0x%02x code 0x%04x'
              % (e.get_error_class(), e.get_error_code()))
    tid = s.tree_connect_andx('\\\\%s\\SHARE' % ip)
    print('TREE_CONNECT_ANDX TID %d' % tid)
    try:
        s.nt_create_andx(tid, 'no-such-file.txt')
        print('NT_CREATE_ANDX opened a file that should not exist')
    except smb.SessionError as e:
        print('NT_CREATE_ANDX class 0x%02x code 0x%04x' % (e.get_error_class(), e.get_error_code()))
    s.disconnect_tree(tid)
    s.logoff()
    s.close_session()


NT_FLAGS2 = smb.SMB.FLAGS2_LONG_NAMES | smb.SMB.FLAGS2_NT_STATUS
NT_CAPS = DOS_CAPS | smb.SMB.CAP_USE_NT_ERRORS


def session(form, user, password):
    """A connection logged on as USER in FORM ('dos' or 'nt'), connected to
    "share": (SMB, UID, TID)."""
    s = dos_connection() if form == 'dos' else connection(NT_FLAGS2)
    r = logon_v1(s, user, password, DOS_CAPS if form == 'dos' else NT_CAPS)
    if r['ErrorClass'] != 0 or r['ErrorCode'] != 0:
        sys.exit('logon refused')
    s.set_uid(r['Uid'])
    tid = s.tree_connect_andx('\\\\%s\\SHARE' % ip)
    return s, r['Uid'], tid


def try_open(s, tid, name, share, access, disposition=smb.FILE_OPEN):
    """An NT_CREATE_ANDX without an oplock (CreateFlags 0, so the server
    sends no oplock break): its FID, or None (the refusal printed)."""
    p = smb.NewSMBPacket()
    p['Tid'] = tid
    cr = smb.SMBCommand(smb.SMB.SMB_COM_NT_CREATE_ANDX)
    cr['Parameters'] = smb.SMBNtCreateAndX_Parameters()
    cr['Data'] = smb.SMBNtCreateAndX_Data(flags=0)
    cr['Parameters']['FileNameLength'] = len(name)
    cr['Parameters']['CreateFlags'] = 0
    cr['Parameters']['AccessMask'] = access
    cr['Parameters']['ShareAccess'] = share
    cr['Parameters']['Disposition'] = disposition
    cr['Parameters']['CreateOptions'] = 0x40          # FILE_NON_DIRECTORY_FILE
    cr['Data']['FileName'] = name
    p.addCommand(cr)
    s.sendSMB(p)
    r = s.recvSMB()
    if r['ErrorClass'] != 0 or r['ErrorCode'] != 0:
        print('NT_CREATE_ANDX %s: %s' % (name, error_of(r)))
        return None
    fid = smb.SMBNtCreateAndXResponse_Parameters(smb.SMBCommand(r['Data'][0])['Parameters'])['Fid']
    print('NT_CREATE_ANDX %s: FID 0x%04x' % (name, fid))
    return fid


def logoff_as(s, uid):
    """A LOGOFF_ANDX with UID in its header; prints the answer."""
    saved = s.get_uid()
    s.set_uid(uid)
    p = smb.NewSMBPacket()
    cmd = smb.SMBCommand(smb.SMB.SMB_COM_LOGOFF_ANDX)
    cmd['Parameters'] = smb.SMBLogOffAndX()
    p.addCommand(cmd)
    s.sendSMB(p)
    print('LOGOFF_ANDX UID %d: %s' % (uid, status_of(s.recvSMB())))
    s.set_uid(saved)


def find_first(s, tid, pattern):
    """A TRANS2_FIND_FIRST2 of PATTERN (no Unicode); prints the answer."""
    q = smb.SMBFindFirst2_Parameters(0)
    q['SearchAttributes'] = smb.SMB_FILE_ATTRIBUTE_DIRECTORY | smb.SMB_FILE_ATTRIBUTE_HIDDEN | \
        smb.SMB_FILE_ATTRIBUTE_SYSTEM | smb.SMB_FILE_ATTRIBUTE_READONLY | smb.SMB_FILE_ATTRIBUTE_ARCHIVE
    q['SearchCount'] = 512
    q['Flags'] = smb.SMB_FIND_RETURN_RESUME_KEYS | smb.SMB_FIND_CLOSE_AT_EOS
    q['InformationLevel'] = smb.SMB_FIND_FILE_BOTH_DIRECTORY_INFO
    q['SearchStorageType'] = 0
    q['FileName'] = pattern + '\x00'
    s.send_trans2(tid, smb.SMB.TRANS2_FIND_FIRST2, '\x00', q, '')
    print('TRANS2_FIND_FIRST2 %s: %s' % (pattern, status_of(s.recvSMB())))


def search(s, tid, pattern):
    """An SMB_COM_SEARCH of PATTERN ([MS-CIFS] 2.2.4.58.1: MaxCount,
    SearchAttributes; FileName, an empty ResumeKey); prints the answer."""
    p = smb.NewSMBPacket()
    p['Tid'] = tid
    cmd = smb.SMBCommand(smb.SMB.SMB_COM_SEARCH)
    cmd['Parameters'] = struct.pack('<HH', 16, smb.ATTR_READONLY | smb.ATTR_HIDDEN | smb.ATTR_ARCHIVE)
    cmd['Data'] = b'\x04' + pattern.encode() + b'\x00' + b'\x05' + struct.pack('<H', 0)
    p.addCommand(cmd)
    s.sendSMB(p)
    print('SMB_COM_SEARCH %s: %s' % (pattern, status_of(s.recvSMB())))


def sharing_violation(form, user, password):
    a, uid_a, tid_a = session(form, user, password)
    fid = try_open(a, tid_a, 'report.txt', 0, 0x0012019f, smb.FILE_OVERWRITE_IF)
    b, uid_b, tid_b = session(form, user, password)
    try_open(b, tid_b, 'report.txt', smb.FILE_SHARE_READ | smb.FILE_SHARE_WRITE, 0x00120089)
    if uid_a == uid_b:
        print('both connections got UID %d: the LOGOFF_ANDX below is not refused' % uid_a)
    logoff_as(b, uid_a)
    try_open(b, tid_b, 'report.txt', smb.FILE_SHARE_READ | smb.FILE_SHARE_WRITE, 0x00120089)
    find_first(b, tid_b, '\\no-such-*.txt')
    search(b, tid_b, '\\no-such-file.txt')
    b.disconnect_tree(tid_b)
    logoff_as(b, uid_b)
    b.close_session()
    if fid is not None:
        a.close(tid_a, fid)
    a.disconnect_tree(tid_a)
    logoff_as(a, uid_a)
    a.close_session()


def stale_tid(form, user, password):
    """Requests on a TID after its TREE_DISCONNECT: logs on in FORM, connects
    to "share", opens and closes hello.txt, disconnects the tree, then sends
    a TRANS2_FIND_FIRST2 and an NT_CREATE_ANDX with the TID it no longer
    has, and logs off."""
    s, uid, tid = session(form, user, password)
    fid = try_open(s, tid, 'hello.txt', smb.FILE_SHARE_READ | smb.FILE_SHARE_WRITE, 0x00120089)
    if fid is not None:
        s.close(tid, fid)
    s.disconnect_tree(tid)
    print('TREE_DISCONNECT TID %d' % tid)
    find_first(s, tid, '\\*')
    try_open(s, tid, 'hello.txt', smb.FILE_SHARE_READ | smb.FILE_SHARE_WRITE, 0x00120089)
    s.logoff()
    s.close_session()


def too_many_open(user, password, count):
    s, uid, tid = session('dos', user, password)
    refused = 0
    for _ in range(count):
        if try_open(s, tid, 'hello.txt', smb.FILE_SHARE_READ | smb.FILE_SHARE_WRITE,
                    0x00120089) is None:
            refused += 1
            if refused == 3:
                break
    s.disconnect_tree(tid)
    logoff_as(s, uid)
    s.close_session()


def ms17_010_check():
    s = smb.SMB(ip, ip)
    s.login('', '')
    tid = s.tree_connect_andx('\\\\%s\\IPC$' % ip)
    p = smb.NewSMBPacket()
    p['Tid'] = tid
    trans = smb.SMBCommand(smb.SMB.SMB_COM_TRANSACTION)
    trans['Parameters'] = smb.SMBTransaction_Parameters()
    trans['Data'] = smb.SMBTransaction_Data()
    setup = struct.pack('<HH', 0x0023, 0)         # TRANS_PEEK_NMPIPE, FID 0
    name = b'\\PIPE\\\x00'
    trans['Parameters']['Setup'] = setup
    trans['Parameters']['TotalParameterCount'] = 0
    trans['Parameters']['TotalDataCount'] = 0
    trans['Parameters']['MaxParameterCount'] = 0xFFFF
    trans['Parameters']['MaxDataCount'] = 0xFFFF
    trans['Parameters']['ParameterCount'] = 0
    trans['Parameters']['ParameterOffset'] = 32 + 3 + 28 + len(setup) + len(name)
    trans['Parameters']['DataCount'] = 0
    trans['Parameters']['DataOffset'] = trans['Parameters']['ParameterOffset']
    trans['Data']['Name'] = name
    trans['Data']['Trans_Parameters'] = b''
    trans['Data']['Trans_Data'] = b''
    p.addCommand(trans)
    s.sendSMB(p)
    r = s.recvSMB()
    print('TRANSACTION TRANS_PEEK_NMPIPE FID 0: %s' % error_of(r))
    s.disconnect_tree(tid)
    s.logoff()
    s.close_session()


def plaintext_logon(user, password):
    s = connection(smb.SMB.FLAGS2_LONG_NAMES | smb.SMB.FLAGS2_NT_STATUS)
    print('NEGOTIATE SecurityMode 0x%02x, ChallengeLength %d'
          % (s._dialects_parameters['SecurityMode'], s._dialects_parameters['ChallengeLength']))
    try:
        s.login_standard(user, password, 'SAMPLES')
    except smb.SessionError as e:
        print('SESSION_SETUP_ANDX NTSTATUS 0x%08x' % e.get_error_code())
        s.close_session()
        return
    print('SESSION_SETUP_ANDX success')
    tid = s.tree_connect_andx('\\\\%s\\SHARE' % ip)
    s.disconnect_tree(tid)
    s.logoff()
    s.close_session()


def read_andx_command(fid, offset, count):
    """A READ_ANDX of `count` bytes (MaxCountHigh in the Timeout field, [MS-SMB] 2.2.4.2.1)."""
    rd = smb.SMBCommand(smb.SMB.SMB_COM_READ_ANDX)
    rd['Parameters'] = smb.SMBReadAndX_Parameters()
    rd['Parameters']['Fid'] = fid
    rd['Parameters']['Offset'] = offset
    rd['Parameters']['MaxCount'] = count & 0xFFFF
    rd['Parameters']['MinCount'] = count & 0xFFFF
    rd['Parameters']['_reserved'] = count >> 16
    rd['Parameters']['Remaining'] = 0
    rd['Data'] = b''
    return rd


def read_answer(r):
    """'NTSTATUS 0x..., N bytes' of an answer whose last command is a
    READ_ANDX: the AndX chain is followed in the answer's bytes."""
    if r['ErrorClass'] != 0 or r['ErrorCode'] != 0:
        return error_of(r)
    raw = r.getData()
    cmd, at = raw[4], 32
    while cmd != smb.SMB.SMB_COM_READ_ANDX and cmd != 0xFF:
        cmd, at = raw[at + 1], struct.unpack_from('<H', raw, at + 3)[0]
    if cmd == 0xFF:
        return error_of(r) + ', no READ_ANDX'
    low, high = struct.unpack_from('<H', raw, at + 11)[0], struct.unpack_from('<H', raw, at + 15)[0]
    return '%s, %d bytes' % (error_of(r), low + high * 0x10000)


def files(user, password):
    s = smb.SMB(ip, ip)
    s.login(user, password, 'SAMPLES')
    flags2 = s.get_flags()[1]
    unicode = flags2 & smb.SMB.FLAGS2_UNICODE
    tid = s.tree_connect_andx('\\\\%s\\SHARE' % ip)

    def name(n):
        return n.encode('utf-16le') if unicode else n.encode()

    # OPEN_ANDX of hello.txt, with a READ_ANDX chained to it.
    p = smb.NewSMBPacket()
    p['Tid'] = tid
    op = smb.SMBCommand(smb.SMB.SMB_COM_OPEN_ANDX)
    op['Parameters'] = smb.SMBOpenAndX_Parameters()
    op['Parameters']['DesiredAccess'] = 0x0040         # read, deny none
    op['Parameters']['OpenMode'] = 1                   # open an existing file
    op['Parameters']['SearchAttributes'] = smb.ATTR_READONLY | smb.ATTR_HIDDEN | smb.ATTR_ARCHIVE
    op['Data'] = smb.SMBOpenAndX_Data(flags=flags2)
    op['Data']['FileName'] = name('hello.txt')
    if unicode:
        op['Data']['Pad'] = 0x0
    p.addCommand(op)
    p.addCommand(read_andx_command(0xFFFF, 0, 1024))
    s.sendSMB(p)
    r = s.recvSMB()
    first = smb.SMBCommand(r['Data'][0])
    fid = smb.SMBOpenAndXResponse_Parameters(first['Parameters'])['Fid']
    print('OPEN_ANDX hello.txt FID 0x%04x, READ_ANDX %s' % (fid, read_answer(r)))
    s.close(tid, fid)

    # NT_CREATE_ANDX of written.bin, a WRITE_ANDX and a READ_ANDX of 70000 bytes.
    n = 70000
    fid = s.nt_create_andx(tid, 'written.bin', disposition=smb.FILE_OVERWRITE_IF,
                           accessMask=0x0012019f)
    data = (b'smbscope SMB1 write ' * (n // 20 + 1))[:n]
    p = smb.NewSMBPacket()
    p['Tid'] = tid
    wr = smb.SMBCommand(smb.SMB.SMB_COM_WRITE_ANDX)
    p.addCommand(wr)
    wr['Parameters'] = smb.SMBWriteAndX_Parameters()
    wr['Parameters']['Fid'] = fid
    wr['Parameters']['Offset'] = 0
    wr['Parameters']['WriteMode'] = 0
    wr['Parameters']['Remaining'] = 0
    wr['Parameters']['DataLength'] = n & 0xFFFF
    wr['Parameters']['DataLength_Hi'] = n >> 16
    wr['Parameters']['DataOffset'] = len(p)
    wr['Data'] = b''
    # ByteCount holds the low 16 bits of the data's length, as smbclient
    # sends it: the message is sent with no data, which is put after it.
    send = s._sess.send_packet
    s._sess.send_packet = lambda b: send(b[:-2] + struct.pack('<H', n & 0xFFFF) + data)
    s.sendSMB(p)
    s._sess.send_packet = send
    r = s.recvSMB()
    wp = smb.SMBWriteAndXResponse_Parameters(smb.SMBCommand(r['Data'][0])['Parameters'])
    print('NT_CREATE_ANDX written.bin FID 0x%04x, WRITE_ANDX %s, Count %d, CountHigh %d'
          % (fid, error_of(r), wp['Count'], wp['Reserved'] & 0xFFFF))
    p = smb.NewSMBPacket()
    p['Tid'] = tid
    p.addCommand(read_andx_command(fid, 0, n))
    s.sendSMB(p)
    print('READ_ANDX written.bin %s' % read_answer(s.recvSMB()))
    s.close(tid, fid)

    # NT_CREATE_ANDX of a file that does not exist, with a READ_ANDX chained.
    p = smb.NewSMBPacket()
    p['Tid'] = tid
    cr = smb.SMBCommand(smb.SMB.SMB_COM_NT_CREATE_ANDX)
    cr['Parameters'] = smb.SMBNtCreateAndX_Parameters()
    cr['Data'] = smb.SMBNtCreateAndX_Data(flags=flags2)
    fname = name('no-such-file.txt')
    cr['Parameters']['FileNameLength'] = len(fname)
    cr['Parameters']['CreateFlags'] = 0
    cr['Parameters']['AccessMask'] = 0x00120089
    cr['Parameters']['ShareAccess'] = smb.FILE_SHARE_READ | smb.FILE_SHARE_WRITE
    cr['Parameters']['Disposition'] = smb.FILE_OPEN
    cr['Parameters']['CreateOptions'] = 0
    cr['Data']['FileName'] = fname
    if unicode:
        cr['Data']['Pad'] = 0x0
    p.addCommand(cr)
    p.addCommand(read_andx_command(0xFFFF, 0, 1024))
    s.sendSMB(p)
    print('NT_CREATE_ANDX no-such-file.txt with READ_ANDX: %s' % error_of(s.recvSMB()))

    s.disconnect_tree(tid)
    s.logoff()
    s.close_session()


def andx_chain(r):
    """The commands of an answer's AndX chain: [(command, WordCount)]."""
    raw = r.getData()
    cmd, at, out = raw[4], 32, []
    while cmd != 0xFF and at < len(raw) and len(out) < 8:
        wc = raw[at]
        out.append(('0x%02x' % cmd, wc))
        if wc < 2:
            break
        nxt, off = raw[at + 1], struct.unpack_from('<H', raw, at + 3)[0]
        if off <= at:
            break
        cmd, at = nxt, off
    return out


def chained_tree_connect(user, password, share):
    s = connection(smb.SMB.FLAGS2_LONG_NAMES | smb.SMB.FLAGS2_NT_STATUS)
    caps = (smb.SMB.CAP_RAW_MODE | smb.SMB.CAP_USE_NT_ERRORS
            | smb.SMB.CAP_LARGE_READX | smb.SMB.CAP_LARGE_WRITEX)
    p = smb.NewSMBPacket()
    p.addCommand(setup_v1_command(s, user, password, caps))
    tree = smb.SMBCommand(smb.SMB.SMB_COM_TREE_CONNECT_ANDX)
    tree['Parameters'] = smb.SMBTreeConnectAndX_Parameters()
    tree['Data'] = smb.SMBTreeConnectAndX_Data(flags=s.get_flags()[1])
    tree['Parameters']['PasswordLength'] = 1
    tree['Data']['Password'] = b'\x00'
    tree['Data']['Path'] = '\\\\%s\\%s' % (ip, share.upper())
    tree['Data']['Service'] = smb.SERVICE_ANY
    p.addCommand(tree)
    s.sendSMB(p)
    r = s.recvSMB()
    print('SESSION_SETUP_ANDX + TREE_CONNECT_ANDX: %s, UID %d, TID %d, chain %s'
          % (error_of(r), r['Uid'], r['Tid'], andx_chain(r)))
    if r['ErrorClass'] != 0 and r['Uid'] == 0:
        s.close_session()
        return
    s.set_uid(r['Uid'])
    if r['ErrorClass'] == 0:
        tid = r['Tid']
        fid = s.nt_create_andx(tid, 'hello.txt', accessMask=0x00120089)
        q = smb.NewSMBPacket()
        q['Tid'] = tid
        q.addCommand(read_andx_command(fid, 0, 1024))
        s.sendSMB(q)
        print('NT_CREATE_ANDX hello.txt FID 0x%04x, READ_ANDX %s' % (fid, read_answer(s.recvSMB())))
        s.close(tid, fid)
        s.disconnect_tree(tid)
    s.logoff()
    s.close_session()


def logoff_relogon(user, password):
    s = smb.SMB(ip, ip)
    old = 0
    for uid in (0, None, 0):
        s.set_uid(old if uid is None else uid)
        s.login(user, password)
        print('SESSION_SETUP_ANDX UID %d' % s.get_uid())
        s.list_path('SHARE', '*')
        p = smb.NewSMBPacket()
        cmd = smb.SMBCommand(smb.SMB.SMB_COM_LOGOFF_ANDX)
        cmd['Parameters'] = smb.SMBLogOffAndX()
        p.addCommand(cmd)
        s.sendSMB(p)
        r = s.recvSMB()
        print('LOGOFF_ANDX UID %d: %s, answered with UID %d' % (s.get_uid(), status_of(r), r['Uid']))
        old = s.get_uid()
    s.close_session()


if mode == 'plaintext-logon':
    plaintext_logon(sys.argv[3], sys.argv[4])
elif mode == 'dos-logon':
    dos_logon(sys.argv[3], sys.argv[4])
elif mode == 'sharing-violation':
    sharing_violation(sys.argv[3], sys.argv[4], sys.argv[5])
elif mode == 'too-many-open':
    too_many_open(sys.argv[3], sys.argv[4], int(sys.argv[5]))
elif mode == 'ms17-010-check':
    ms17_010_check()
elif mode == 'files':
    files(sys.argv[3], sys.argv[4])
elif mode == 'chained-tree-connect':
    chained_tree_connect(sys.argv[3], sys.argv[4], sys.argv[5])
elif mode == 'stale-tid':
    stale_tid(sys.argv[3], sys.argv[4], sys.argv[5])
elif mode == 'logoff-relogon':
    logoff_relogon(sys.argv[3], sys.argv[4])
else:
    sys.exit('unknown mode ' + mode)
