/**
 * @module For tests: enough of a server WebSocket for a `Connection`: what was sent,
 * how it was closed, and unsent bytes the test decides.
 */

export class FakeSocket {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  sent: string[] = [];
  closed?: { code: number; reason: string };
  send(text: string) {
    this.sent.push(text);
  }
  close(code: number, reason: string) {
    this.closed = { code, reason };
    this.readyState = WebSocket.CLOSING;
  }
}
