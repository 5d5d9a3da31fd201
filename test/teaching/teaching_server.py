#!/usr/bin/python3
"""A replica, for tests, of the server of the classic RTSP/RTP teaching project (Kurose & Ross,
"Streaming video with RTSP and RTP": Server.py, ServerWorker.py, VideoStream.py, RtpPacket.py).

Written for rtspkit's tests; it behaves on the wire as the originals do, byte for byte. What it does,
and the quirks a peer of it must live with:

RTSP (one thread per TCP connection, like ServerWorker.recvRtspRequest):
  * Each recv(256) is taken as one whole request. A request is split on '\\n' only: line 1 is
    'METHOD file RTSP/1.0', line 2 'CSeq: n' (the CSeq is the 2nd space-separated word of line 2,
    echoed as text, so a CRLF request's '1\\r' is echoed with its '\\r'), and for SETUP line 3's 4th
    space-separated word is the client's RTP port ('Transport: RTP/UDP; client_port= 25000').
  * Nothing is required of a request's end: no empty line, no line end at all.
  * Only SETUP, PLAY, PAUSE and TEARDOWN are known. Anything else (OPTIONS, DESCRIBE...) gets no
    answer at all, and so does a known method in the wrong state (PLAY before SETUP...).
  * SETUP (state INIT): opens the file named in line 1, relative to the working directory; a new
    session id, a random integer 100000..999999. A missing file prints '404 NOT FOUND' but the
    answer is still 200 OK (and PLAY is then ignored, the state having stayed INIT).
  * PLAY (READY): a new UDP socket; the answer; a thread sending a frame every 50 ms.
  * PAUSE (PLAYING): the sending thread stops; the file position is kept, frame numbers go on.
  * TEARDOWN (any state): stops sending, answers, closes the UDP socket. Before any PLAY there is no
    sending thread: the worker thread dies of a KeyError and the connection is never read again.
  * A request too short for the lines above kills the worker thread the same way (IndexError).
  * The answer, always: 'RTSP/1.0 200 OK\\nCSeq: <n>\\nSession: <id>' - LF line ends, no empty line,
    no line end after the Session line, in one send().
RTP (ServerWorker.sendRtp, makeRtp, RtpPacket.encode):
  * Every 50 ms (Event.wait(0.05), so a little less than 20 fps), the next frame of the file, whole,
    in one UDP datagram to (the RTSP peer's address, the client's RTP port), from an unbound socket.
  * 12-byte header: V=2, P=0, X=0, CC=0, M=0, PT=26, sequence number = frame number in the file
    (from 1, the low 16 bits), timestamp = int(time.time()) (seconds, the same for ~20 frames),
    SSRC = 0. Then the JPEG as stored in the file: no RFC 2435 header.
  * At the end of the file nothing more is sent (no loop), but the thread keeps polling.
VideoStream: 5 ASCII digits of length, then that many bytes, repeated.

Where this replica departs from the originals, for tests' sake, without changing any byte sent:
  * argv: `teaching_server.py PORT [HOST]`; PORT 0 picks a free port, HOST defaults to '' (all
    interfaces, as the original binds). The bound port is printed as 'listening on PORT'.
  * When the client closes the connection, recv() returns b'' and the original spins on it forever
    at 100% CPU; the replica ends the thread instead.
  * Messages go to stdout as the originals print them, flushed.
"""
import socket
import sys
import threading
import traceback
from random import randint
from time import time

HEADER_SIZE = 12
FRAME_INTERVAL_S = 0.05
REQUEST_READ_SIZE = 256


def log(*parts):
    print(*parts, flush=True)


class VideoStream:
    def __init__(self, filename):
        self.filename = filename
        try:
            self.file = open(filename, 'rb')
        except Exception:
            raise IOError
        self.frameNum = 0

    def nextFrame(self):
        data = self.file.read(5)
        if data:
            framelength = int(data)
            data = self.file.read(framelength)
            self.frameNum += 1
        return data

    def frameNbr(self):
        return self.frameNum


class RtpPacket:
    def encode(self, version, padding, extension, cc, seqnum, marker, pt, ssrc, payload):
        timestamp = int(time())
        header = bytearray(HEADER_SIZE)
        header[0] = (version << 6) | (padding << 5) | (extension << 4) | (cc & 0x0F)
        header[1] = (marker << 7) | (pt & 0x7F)
        header[2] = (seqnum >> 8) & 0xFF
        header[3] = seqnum & 0xFF
        for i in range(4):
            header[4 + i] = (timestamp >> (24 - 8 * i)) & 0xFF
            header[8 + i] = (ssrc >> (24 - 8 * i)) & 0xFF
        self.header = header
        self.payload = payload

    def getPacket(self):
        return self.header + self.payload


class ServerWorker:
    SETUP = 'SETUP'
    PLAY = 'PLAY'
    PAUSE = 'PAUSE'
    TEARDOWN = 'TEARDOWN'
    INIT, READY, PLAYING = 0, 1, 2
    OK_200, FILE_NOT_FOUND_404, CON_ERR_500 = 0, 1, 2

    def __init__(self, clientInfo):
        self.clientInfo = clientInfo
        self.state = self.INIT

    def run(self):
        threading.Thread(target=self.recvRtspRequest, daemon=True).start()

    def recvRtspRequest(self):
        connSocket = self.clientInfo['rtspSocket'][0]
        while True:
            data = connSocket.recv(REQUEST_READ_SIZE)
            if not data:
                return  # the original loops here forever; see the module comment
            log('Data received:\n' + data.decode('utf-8'))
            self.processRtspRequest(data.decode('utf-8'))

    def processRtspRequest(self, data):
        request = data.split('\n')
        line1 = request[0].split(' ')
        requestType = line1[0]
        filename = line1[1]
        seq = request[1].split(' ')

        if requestType == self.SETUP:
            if self.state == self.INIT:
                log('processing SETUP\n')
                try:
                    self.clientInfo['videoStream'] = VideoStream(filename)
                    self.state = self.READY
                except IOError:
                    self.replyRtsp(self.FILE_NOT_FOUND_404, seq[1])
                self.clientInfo['session'] = randint(100000, 999999)
                self.replyRtsp(self.OK_200, seq[1])
                self.clientInfo['rtpPort'] = request[2].split(' ')[3]
        elif requestType == self.PLAY:
            if self.state == self.READY:
                log('processing PLAY\n')
                self.state = self.PLAYING
                self.clientInfo['rtpSocket'] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                self.replyRtsp(self.OK_200, seq[1])
                self.clientInfo['event'] = threading.Event()
                self.clientInfo['worker'] = threading.Thread(target=self.sendRtp, daemon=True)
                self.clientInfo['worker'].start()
        elif requestType == self.PAUSE:
            if self.state == self.PLAYING:
                log('processing PAUSE\n')
                self.state = self.READY
                self.clientInfo['event'].set()
                self.replyRtsp(self.OK_200, seq[1])
        elif requestType == self.TEARDOWN:
            log('processing TEARDOWN\n')
            self.clientInfo['event'].set()
            self.replyRtsp(self.OK_200, seq[1])
            self.clientInfo['rtpSocket'].close()

    def sendRtp(self):
        while True:
            self.clientInfo['event'].wait(FRAME_INTERVAL_S)
            if self.clientInfo['event'].is_set():
                break
            data = self.clientInfo['videoStream'].nextFrame()
            if data:
                frameNumber = self.clientInfo['videoStream'].frameNbr()
                try:
                    address = self.clientInfo['rtspSocket'][1][0]
                    port = int(self.clientInfo['rtpPort'])
                    self.clientInfo['rtpSocket'].sendto(self.makeRtp(data, frameNumber), (address, port))
                except Exception:
                    log('Connection Error')

    def makeRtp(self, payload, frameNbr):
        rtpPacket = RtpPacket()
        rtpPacket.encode(2, 0, 0, 0, frameNbr, 0, 26, 0, payload)
        return rtpPacket.getPacket()

    def replyRtsp(self, code, seq):
        if code == self.OK_200:
            reply = 'RTSP/1.0 200 OK\nCSeq: ' + seq + '\nSession: ' + str(self.clientInfo['session'])
            self.clientInfo['rtspSocket'][0].send(reply.encode())
        elif code == self.FILE_NOT_FOUND_404:
            log('404 NOT FOUND')
        elif code == self.CON_ERR_500:
            log('500 CONNECTION ERROR')


def main():
    try:
        port = int(sys.argv[1])
    except (IndexError, ValueError):
        print('[Usage: teaching_server.py Server_port [host]]\n', file=sys.stderr)
        sys.exit(2)
    host = sys.argv[2] if len(sys.argv) > 2 else ''
    rtspSocket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    rtspSocket.bind((host, port))
    rtspSocket.listen(5)
    log('listening on %d' % rtspSocket.getsockname()[1])
    while True:
        clientInfo = {'rtspSocket': rtspSocket.accept()}
        ServerWorker(clientInfo).run()


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:
        pass
    except Exception:
        traceback.print_exc()
        sys.exit(1)
