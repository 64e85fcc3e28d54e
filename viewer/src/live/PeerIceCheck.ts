import { SignalingClient } from './SignalingClient';
import { MeshCall, type PeerStats } from './MeshCall';
import type { PeerInfo, ServerMessage } from './protocol';

/** One other site's link as the connection test saw it. */
export interface PeerIceResult {
  peer: PeerInfo;
  stats: PeerStats | null;
}

/**
 * ICE connectivity to the other sites (G-3.5): joins the consult's room the way the live screen does (so it is
 * in the participant record, G-2.7), sends no camera or microphone, opens the mesh links to everyone present,
 * waits until each is connected (or `timeoutMs`), reads their getStats() (ICE state, selected pair, RTT), and
 * leaves. Only meaningful while the consult is in session and someone is in the room.
 */
export async function checkPeers(wsUrl: string, token: string, iceServers: RTCIceServer[], timeoutMs = 10_000): Promise<PeerIceResult[]> {
  let mesh: MeshCall | null = null;
  let peers: PeerInfo[] = [];
  const states = new Map<string, string>();
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((r) => { settle = r; });
  const check = () => { if (peers.length && peers.every((p) => ['connected', 'failed'].includes(states.get(p.peerId) ?? ''))) settle(); };
  const signaling: SignalingClient = new SignalingClient(wsUrl, token, {
    onMessage: (m: ServerMessage) => {
      if (m.t === 'welcome') {
        peers = m.peers;
        mesh = new MeshCall(m.you.peerId, iceServers.length ? iceServers : (m.iceServers as RTCIceServer[]), {
          signal: (to, data) => signaling.send({ t: 'signal', to, data }),
          onRemoteStream: () => undefined,
          onState: (peer, state) => { states.set(peer, state); check(); },
        });
        // The newcomer offers to everyone already in the room (MeshCall's rule); no local tracks are sent.
        for (const p of peers) mesh.connect(p.peerId);
        if (!peers.length) settle();
      } else if (m.t === 'signal') {
        void mesh?.onSignal(m.from, m.data as never);
      } else if (m.t === 'peer-left') {
        peers = peers.filter((p) => p.peerId !== m.peerId);
        check();
      }
    },
    onClose: () => settle(),
  });
  await signaling.open();
  try {
    await Promise.race([settled, new Promise((r) => setTimeout(r, timeoutMs))]);
    // A moment for the first consent checks, so the pair has a round-trip time.
    await new Promise((r) => setTimeout(r, 1200));
    const m = mesh as MeshCall | null;
    const stats = m ? await m.stats() : {};
    return peers.map((peer) => ({ peer, stats: stats[peer.peerId] ?? null }));
  } finally {
    (mesh as MeshCall | null)?.close();
    signaling.close();
  }
}
