//! The configurable limits over real sockets, in both modes: `max_clients` refuses the excess
//! with a reply and a close, and `auth_timeout` closes connections that never authenticate.

use std::time::Duration;

use chat_harness::core::{wording, Limits};
use chat_harness::protocol::{ClientFrame, ServerFrame};
use chat_harness::server::Mode;

use crate::server_support::{test_limits, wire, TestServer};

both_modes!(
    max_clients_refuses_the_excess_with_a_reply_and_a_close,
    auth_timeout_closes_connections_that_never_authenticate,
);

fn max_clients_refuses_the_excess_with_a_reply_and_a_close(mode: Mode) {
    let limits = Limits {
        max_clients: 3,
        ..test_limits()
    };
    let server = TestServer::with_limits(mode, limits);
    let [mut alice, mut bob] = server.login_all(["alice", "bob"]);
    // An unauthenticated connection counts too; its reply proves the server has it.
    let mut idle = server.connect("idle");
    idle.say("hello?");
    idle.expect_reply(wording::LOGIN_FIRST);
    let mut extra = server.connect("extra");
    extra.send(&ClientFrame::auth("extra", 0));
    assert_eq!(
        extra.until_closed(),
        [ServerFrame::reply(wording::SERVER_FULL)]
    );
    alice.say("unaffected");
    bob.expect_chat("alice", "unaffected");
    // A freed place can be taken again.
    bob.send(&ClientFrame::exit());
    assert_eq!(bob.until_closed(), []);
    alice.expect_notice("User bob disconnected");
    server.login("again");
    alice.expect_notice("again connected");
}

fn auth_timeout_closes_connections_that_never_authenticate(mode: Mode) {
    let limits = Limits {
        auth_timeout: Duration::from_millis(500),
        ..test_limits()
    };
    let server = TestServer::with_limits(mode, limits);
    let [mut alice, mut bob] = server.login_all(["alice", "bob"]);
    let mut idle = server.connect("idle");
    // Half an auth frame: activity, but still no auth.
    let mut trickler = server.connect("trickler");
    trickler.send_raw(&wire(0, b"trickler")[..5]);
    for client in [&mut idle, &mut trickler] {
        assert_eq!(
            client.until_closed(),
            [ServerFrame::reply(wording::AUTH_TIMEOUT)],
            "{}",
            client.name
        );
    }
    // alice and bob connected earlier, so their deadline passed too: being authenticated,
    // they are still here.
    alice.say("after the timeout");
    bob.expect_chat("alice", "after the timeout");
    alice.expect_nothing_before_marker(&mut bob);
}
