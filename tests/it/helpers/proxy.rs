//! A TCP proxy in front of a database, so a test can take the database away and bring it back
//! without touching the server other tests share. Down, it behaves as a stopped database does:
//! open connections are cut and new ones refused (nothing listens on its port).

use std::net::SocketAddr;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;

pub struct Proxy {
    pub addr: SocketAddr,
    up: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn bind(addr: SocketAddr) -> tokio::net::TcpListener {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_reuseaddr(true).unwrap();
    socket.bind(addr).unwrap();
    socket.listen(1024).unwrap()
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = bind("127.0.0.1:0".parse().unwrap());
        let addr = listener.local_addr().unwrap();
        let (up, mut state) = watch::channel(true);
        let task = tokio::spawn(async move {
            let mut listener = Some(listener);
            loop {
                let Some(open) = &listener else {
                    // Down: nothing listens until the test says the database is back.
                    if state.wait_for(|up| *up).await.is_err() {
                        return;
                    }
                    listener = Some(bind(addr));
                    continue;
                };
                let mut stopped = state.clone();
                tokio::select! {
                    accepted = open.accept() => {
                        let Ok((mut client, _)) = accepted else { continue };
                        let mut cut = state.clone();
                        tokio::spawn(async move {
                            let Ok(mut server) = TcpStream::connect(target).await else { return };
                            tokio::select! {
                                _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                                _ = cut.wait_for(|up| !*up) => {}
                            }
                        });
                    }
                    changed = stopped.wait_for(|up| !*up) => {
                        if changed.map(|_| ()).is_err() {
                            return;
                        }
                        listener = None;
                    }
                }
            }
        });
        Proxy { addr, up, task }
    }

    /// The database stops: open connections are cut, new ones refused.
    pub fn down(&self) {
        self.up.send_replace(false);
    }

    pub fn up(&self) {
        self.up.send_replace(true);
    }
}
