/**
 * Runs `stop` once the I/O already waiting has been read. After a Lambda freeze (or any stall of
 * the event loop) the timers that came due run before the poll phase reads the sockets: the
 * request timeout would discard an answer that sits in the socket, and a refresh ahead that AWS
 * answered in time would count as failed (its keys then served past their TTL for the back-off).
 * One turn of the event loop later (setImmediate runs after the poll phase), that answer has won.
 */
export function afterPendingIo(stop: () => void): void {
  setImmediate(stop)
}
