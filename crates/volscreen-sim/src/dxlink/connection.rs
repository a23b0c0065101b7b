//! The socket loop of one DXLink connection: reads frames into the [`Session`], runs its clock
//! (snapshot batches, the pending `AUTHORIZED`, keepalives, the idle timeout) and writes what it
//! queues, counting connections and messages in the market's stats.
//!
//! One task per connection and no locks: when work is already due (latency `none`), the loop takes
//! any frame that is ready first and otherwise runs the session at once, without sleeping; when
//! nothing is due it waits for a frame or the session's next deadline, whichever comes first.

use super::session::{Out, Session};
use crate::SimState;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::SinkExt;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

/// Serve one upgraded socket until either side ends it.
pub async fn serve(mut socket: WebSocket, state: Arc<SimState>) {
    state.stats.dxlink_open();
    let mut session = Session::new(state.clone(), Instant::now());
    run(&mut socket, &mut session, &state).await;
    // Dropping the session releases its quote token's connection slot.
    drop(session);
    state.stats.dxlink_close();
}

async fn run(socket: &mut WebSocket, session: &mut Session, state: &SimState) {
    loop {
        if !write(socket, session.drain(Instant::now()), state).await || session.is_closed() {
            return;
        }
        let deadline = session.next_deadline();
        let due = deadline <= Instant::now();
        tokio::select! {
            biased;
            frame = socket.recv() => match frame {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(Message::Text(text))) => session.on_text(text.as_str(), Instant::now()),
                Some(Ok(Message::Binary(_))) => session.on_binary(Instant::now()),
                Some(Ok(_)) => session.on_frame(Instant::now()),
            },
            () = std::future::ready(()), if due => session.tick(Instant::now()),
            () = tokio::time::sleep_until(deadline.into()), if !due => session.tick(Instant::now()),
        }
    }
}

/// Write `outs`; false when the connection is over (closed, dropped or broken).
async fn write(socket: &mut WebSocket, outs: Vec<Out>, state: &SimState) -> bool {
    if outs.is_empty() {
        return true;
    }
    for out in outs {
        match out {
            Out::Text(text) => {
                state.stats.dxlink_messages.fetch_add(1, Ordering::Relaxed);
                if socket.feed(Message::Text(text.into())).await.is_err() {
                    return false;
                }
            }
            Out::Close { code, reason } => {
                let frame = CloseFrame {
                    code,
                    reason: reason.into(),
                };
                let _ = socket.feed(Message::Close(Some(frame))).await;
                let _ = socket.flush().await;
                return false;
            }
            Out::Drop => {
                let _ = socket.flush().await;
                return false;
            }
        }
    }
    socket.flush().await.is_ok()
}
