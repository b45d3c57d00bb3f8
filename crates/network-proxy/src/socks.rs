//! The SOCKS5 proxy (RFC 1928), TCP `CONNECT` only, no authentication:
//! what `ALL_PROXY=socks5h://…` clients speak. Names are resolved by the
//! proxy (`socks5h`), under the same rules as the HTTP proxy. A refused
//! host gets reply 0x02 ("connection not allowed by ruleset"); BIND and
//! UDP ASSOCIATE get 0x07 ("command not supported").

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::policy::Protocol;
use crate::server::Shared;
use crate::upstream::{self, Refusal};

const VERSION: u8 = 5;
const NO_AUTH: u8 = 0;
const NO_ACCEPTABLE_METHOD: u8 = 0xff;
const CMD_CONNECT: u8 = 1;
const ATYP_V4: u8 = 1;
const ATYP_DOMAIN: u8 = 3;
const ATYP_V6: u8 = 4;
const REPLY_OK: u8 = 0;
const REPLY_FAILURE: u8 = 1;
const REPLY_NOT_ALLOWED: u8 = 2;
const REPLY_HOST_UNREACHABLE: u8 = 4;
const REPLY_COMMAND_NOT_SUPPORTED: u8 = 7;
const REPLY_ADDRESS_NOT_SUPPORTED: u8 = 8;

/// How long a client may take to send its greeting and request.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves one SOCKS5 client connection.
pub(crate) async fn serve_connection<S>(mut client: S, shared: Arc<Shared>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let target = tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake(&mut client)).await;
    let (host, port) = match target {
        Ok(Ok(Some(target))) => target,
        Ok(Ok(None)) | Ok(Err(_)) | Err(_) => return,
    };
    match upstream::connect(
        &shared.policy,
        &shared.resolver,
        &host,
        port,
        Protocol::Socks5Tcp,
    )
    .await
    {
        Ok(mut upstream) => {
            if reply(&mut client, REPLY_OK).await.is_ok() {
                let _ = crate::relay(&mut client, &mut upstream).await;
            }
        }
        Err(Refusal::Blocked(reason)) => {
            shared.record_denial(&host, Protocol::Socks5Tcp, &reason);
            let _ = reply(&mut client, REPLY_NOT_ALLOWED).await;
        }
        Err(Refusal::Unreachable(_)) => {
            let _ = reply(&mut client, REPLY_HOST_UNREACHABLE).await;
        }
    }
}

/// Reads the greeting and the request; `None` when the client was
/// answered with an error already.
async fn handshake<S>(client: &mut S) -> std::io::Result<Option<(String, u16)>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut head = [0u8; 2];
    client.read_exact(&mut head).await?;
    if head[0] != VERSION {
        return Ok(None);
    }
    let mut methods = vec![0u8; usize::from(head[1])];
    client.read_exact(&mut methods).await?;
    if !methods.contains(&NO_AUTH) {
        client.write_all(&[VERSION, NO_ACCEPTABLE_METHOD]).await?;
        return Ok(None);
    }
    client.write_all(&[VERSION, NO_AUTH]).await?;

    let mut request = [0u8; 4];
    client.read_exact(&mut request).await?;
    let [version, command, _reserved, atyp] = request;
    if version != VERSION {
        return Ok(None);
    }
    let host = match atyp {
        ATYP_V4 => {
            let mut octets = [0u8; 4];
            client.read_exact(&mut octets).await?;
            Ipv4Addr::from(octets).to_string()
        }
        ATYP_V6 => {
            let mut octets = [0u8; 16];
            client.read_exact(&mut octets).await?;
            Ipv6Addr::from(octets).to_string()
        }
        ATYP_DOMAIN => {
            let len = client.read_u8().await?;
            let mut name = vec![0u8; usize::from(len)];
            client.read_exact(&mut name).await?;
            match String::from_utf8(name) {
                Ok(name) => name,
                Err(_) => {
                    reply(client, REPLY_FAILURE).await?;
                    return Ok(None);
                }
            }
        }
        _ => {
            reply(client, REPLY_ADDRESS_NOT_SUPPORTED).await?;
            return Ok(None);
        }
    };
    let port = client.read_u16().await?;
    if command != CMD_CONNECT {
        reply(client, REPLY_COMMAND_NOT_SUPPORTED).await?;
        return Ok(None);
    }
    Ok(Some((host, port)))
}

/// A reply with an unspecified bound address (clients ignore it for
/// CONNECT, and the proxy's own address is nothing the command needs).
async fn reply<S: AsyncWrite + Unpin>(client: &mut S, code: u8) -> std::io::Result<()> {
    client
        .write_all(&[VERSION, code, 0, ATYP_V4, 0, 0, 0, 0, 0, 0])
        .await
}
