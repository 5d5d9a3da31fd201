#!/usr/bin/python3
"""A replica, for tests, of the client of the classic RTSP/RTP teaching project (Kurose & Ross,
"Streaming video with RTSP and RTP": Client.py, ClientLauncher.py, RtpPacket.py), without its Tk
window: a script presses the buttons (SETUP, PLAY, PAUSE, PLAY, TEARDOWN) and writes the frames.

Written for rtspkit's tests; on the wire it behaves as the original does, byte for byte:

Requests (Client.sendRtspRequest), each in one send(), LF line ends, no empty line, no final LF:
  'SETUP movie.Mjpeg RTSP/1.0\\nCSeq: 1\\nTransport: RTP/UDP; client_port= 25000'
  'PLAY movie.Mjpeg RTSP/1.0\\nCSeq: 2\\nSession: 123456'   (PAUSE and TEARDOWN alike)
  The URI is the bare file name from the command line; CSeq counts from 1; the space after
  'client_port=' is there because the original server takes the 4th space-separated word.
Replies (Client.recvRtspReply, parseRtspReply): each recv(1024) is taken as one whole reply, split on
  '\\n' and read by position: line 2's 2nd word is the CSeq (int), line 3's 2nd word the session (int),
  line 1's 2nd word the status (int). A reply whose CSeq is not the last one sent is ignored; the
  first session seen is kept and later replies must carry the same. A reply that does not fit that
  shape (no 3rd line, 'Session: 1;timeout=60', a hex session id) raises in the reply thread, which
  dies: no later reply is read. Only 200 moves the state: SETUP → READY (and the RTP socket is
  opened only then: bound to ('', rtp_port), timeout 0.5 s), PLAY → PLAYING, PAUSE → READY,
  TEARDOWN → INIT. After the TEARDOWN reply the RTSP socket is shut down and closed.
RTP (Client.listenRtp): recv(20480) per datagram - a larger frame is cut there - 12 bytes of header
  dropped, the rest is the JPEG; the sequence number is the frame number and a packet whose number is
  not above the last one shown is discarded as late. Each frame is written to 'cache-<session>.jpg'
  in the working directory (then shown, in the original). Payload type, marker, timestamp and SSRC are
  never looked at. A PLAY starts a new listening thread; on PAUSE it ends at its next 0.5 s timeout.

Where this replica departs, for tests' sake, without changing any byte sent:
  * argv: `teaching_client.py HOST PORT RTP_PORT FILE OUT_DIR FRAMES [PAUSE_AFTER]`: plays until
    FRAMES frames were shown (pausing once, for 0.5 s, after PAUSE_AFTER of them), then TEARDOWN.
    Every shown frame is also copied to OUT_DIR/frame-<n>.jpg (n counts from 1), standing in for
    the window. At the end one JSON line on stdout sums up what happened.
  * The original's message boxes become exit codes: 3 when the RTP port cannot be bound (the test
    picks another), 4 when the connection fails, 5 when a step times out (10 s each).
"""
import json
import os
import shutil
import socket
import sys
import threading
import time
import traceback

CACHE_FILE_NAME = 'cache-'
CACHE_FILE_EXT = '.jpg'
HEADER_SIZE = 12
RTP_READ_SIZE = 20480
REPLY_READ_SIZE = 1024
STEP_TIMEOUT_S = 10


class RtpPacket:
    def decode(self, byteStream):
        self.header = bytearray(byteStream[:HEADER_SIZE])
        self.payload = byteStream[HEADER_SIZE:]

    def seqNum(self):
        return int(self.header[2] << 8 | self.header[3])

    def getPayload(self):
        return self.payload


class Client:
    INIT, READY, PLAYING = 0, 1, 2
    SETUP, PLAY, PAUSE, TEARDOWN = 0, 1, 2, 3

    def __init__(self, serveraddr, serverport, rtpport, filename, outdir):
        self.serverAddr = serveraddr
        self.serverPort = int(serverport)
        self.rtpPort = int(rtpport)
        self.fileName = filename
        self.outDir = outdir
        self.state = self.INIT
        self.rtspSeq = 0
        self.sessionId = 0
        self.requestSent = -1
        self.teardownAcked = 0
        self.frameNbr = 0
        self.shown = 0
        self.seqNums = []
        self.repliesParsed = 0
        self.bindFailed = False
        self.connectToServer()

    # --- the buttons ---
    def setupMovie(self):
        if self.state == self.INIT:
            self.sendRtspRequest(self.SETUP)

    def exitClient(self):
        self.sendRtspRequest(self.TEARDOWN)
        try:
            os.remove(CACHE_FILE_NAME + str(self.sessionId) + CACHE_FILE_EXT)
        except OSError:
            pass  # the original raises here when no frame ever came

    def pauseMovie(self):
        if self.state == self.PLAYING:
            self.sendRtspRequest(self.PAUSE)

    def playMovie(self):
        if self.state == self.READY:
            threading.Thread(target=self.listenRtp, daemon=True).start()
            self.playEvent = threading.Event()
            self.playEvent.clear()
            self.sendRtspRequest(self.PLAY)

    # --- RTP ---
    def listenRtp(self):
        while True:
            try:
                data = self.rtpSocket.recv(RTP_READ_SIZE)
                if data:
                    rtpPacket = RtpPacket()
                    rtpPacket.decode(data)
                    currFrameNbr = rtpPacket.seqNum()
                    if currFrameNbr > self.frameNbr:
                        self.frameNbr = currFrameNbr
                        self.updateMovie(self.writeFrame(rtpPacket.getPayload()), currFrameNbr)
            except Exception:
                if self.playEvent.is_set():
                    break
                if self.teardownAcked == 1:
                    # As the original: shutdown() of a UDP socket raises ENOTCONN on Linux, which ends
                    # this thread with a traceback before close() runs.
                    self.rtpSocket.shutdown(socket.SHUT_RDWR)
                    self.rtpSocket.close()
                    break

    def writeFrame(self, data):
        cachename = CACHE_FILE_NAME + str(self.sessionId) + CACHE_FILE_EXT
        with open(cachename, 'wb') as f:
            f.write(data)
        return cachename

    def updateMovie(self, imageFile, seq):
        # Stands in for the Tk label: keep every shown frame.
        self.shown += 1
        self.seqNums.append(seq)
        shutil.copyfile(imageFile, os.path.join(self.outDir, 'frame-%05d.jpg' % self.shown))

    # --- RTSP ---
    def connectToServer(self):
        self.rtspSocket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self.rtspSocket.connect((self.serverAddr, self.serverPort))
        except Exception:
            print("Connection to '%s' failed." % self.serverAddr, file=sys.stderr)
            sys.exit(4)

    def sendRtspRequest(self, requestCode):
        if requestCode == self.SETUP and self.state == self.INIT:
            threading.Thread(target=self.recvRtspReply, daemon=True).start()
            self.rtspSeq += 1
            request = 'SETUP ' + self.fileName + ' RTSP/1.0\nCSeq: ' + str(self.rtspSeq) + '\nTransport: RTP/UDP; client_port= ' + str(self.rtpPort)
            self.requestSent = self.SETUP
        elif requestCode == self.PLAY and self.state == self.READY:
            self.rtspSeq += 1
            request = 'PLAY ' + self.fileName + ' RTSP/1.0\nCSeq: ' + str(self.rtspSeq) + '\nSession: ' + str(self.sessionId)
            self.requestSent = self.PLAY
        elif requestCode == self.PAUSE and self.state == self.PLAYING:
            self.rtspSeq += 1
            request = 'PAUSE ' + self.fileName + ' RTSP/1.0\nCSeq: ' + str(self.rtspSeq) + '\nSession: ' + str(self.sessionId)
            self.requestSent = self.PAUSE
        elif requestCode == self.TEARDOWN and not self.state == self.INIT:
            self.rtspSeq += 1
            request = 'TEARDOWN ' + self.fileName + ' RTSP/1.0\nCSeq: ' + str(self.rtspSeq) + '\nSession: ' + str(self.sessionId)
            self.requestSent = self.TEARDOWN
        else:
            return
        self.rtspSocket.send(request.encode())
        print('\nData sent:\n' + request, flush=True)

    def recvRtspReply(self):
        while True:
            reply = self.rtspSocket.recv(REPLY_READ_SIZE)
            if reply:
                self.parseRtspReply(reply.decode('utf-8'))
            if self.requestSent == self.TEARDOWN:
                self.rtspSocket.shutdown(socket.SHUT_RDWR)
                self.rtspSocket.close()
                break

    def parseRtspReply(self, data):
        lines = data.split('\n')
        seqNum = int(lines[1].split(' ')[1])
        if seqNum == self.rtspSeq:
            session = int(lines[2].split(' ')[1])
            if self.sessionId == 0:
                self.sessionId = session
            if self.sessionId == session:
                self.repliesParsed += 1
                if int(lines[0].split(' ')[1]) == 200:
                    if self.requestSent == self.SETUP:
                        self.state = self.READY
                        self.openRtpPort()
                    elif self.requestSent == self.PLAY:
                        self.state = self.PLAYING
                    elif self.requestSent == self.PAUSE:
                        self.state = self.READY
                        self.playEvent.set()
                    elif self.requestSent == self.TEARDOWN:
                        self.state = self.INIT
                        self.teardownAcked = 1

    def openRtpPort(self):
        self.rtpSocket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtpSocket.settimeout(0.5)
        try:
            self.rtpSocket.bind(('', self.rtpPort))
        except Exception:
            self.bindFailed = True
            print('Unable to bind PORT=%d' % self.rtpPort, file=sys.stderr)


def wait_for(what, predicate, client):
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while not predicate():
        if client.bindFailed:
            sys.exit(3)
        if time.monotonic() > deadline:
            print('timed out waiting for ' + what, file=sys.stderr)
            print(json.dumps(summary(client)), flush=True)
            sys.exit(5)
        time.sleep(0.01)


def summary(client):
    return {'frames': client.shown, 'session': client.sessionId, 'seq': client.seqNums, 'state': client.state,
            'cseq': client.rtspSeq, 'replies': client.repliesParsed, 'teardownAcked': client.teardownAcked}


def main():
    if len(sys.argv) < 7:
        print('[Usage: teaching_client.py Server_name Server_port RTP_port Video_file Out_dir Frames [Pause_after]]', file=sys.stderr)
        sys.exit(2)
    host, port, rtp_port, file_name, out_dir = sys.argv[1:6]
    frames = int(sys.argv[6])
    pause_after = int(sys.argv[7]) if len(sys.argv) > 7 else 0
    os.makedirs(out_dir, exist_ok=True)
    c = Client(host, port, rtp_port, file_name, out_dir)
    c.setupMovie()
    wait_for('the SETUP reply', lambda: c.state == c.READY, c)
    c.playMovie()
    wait_for('the PLAY reply', lambda: c.state == c.PLAYING, c)
    if 0 < pause_after < frames:
        wait_for('%d frames' % pause_after, lambda: c.shown >= pause_after, c)
        c.pauseMovie()
        wait_for('the PAUSE reply', lambda: c.state == c.READY, c)
        time.sleep(0.5)
        c.playMovie()
        wait_for('the second PLAY reply', lambda: c.state == c.PLAYING, c)
    wait_for('%d frames' % frames, lambda: c.shown >= frames, c)
    c.exitClient()
    wait_for('the TEARDOWN reply', lambda: c.teardownAcked == 1, c)
    print(json.dumps(summary(c)), flush=True)


if __name__ == '__main__':
    try:
        main()
    except SystemExit:
        raise
    except Exception:
        traceback.print_exc()
        sys.exit(1)
