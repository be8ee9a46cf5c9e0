// A minimal LwM2M server for the shelf-sim benchmark: it accepts registrations,
// observes /10341/0/26342 on each shelf and acknowledges every notification,
// counting them. Doing next to nothing, it shows shelf-sim's own ceiling where
// the full emulator would be the bottleneck.
import { createSocket, type RemoteInfo } from 'node:dgram';
import { once } from 'node:events';
import { generate, parse } from 'coap-packet';

export interface AckSink {
  port: number;
  registered: number;
  observed: number;
  notifications: number;
  close(): void;
}

export async function startAckSink(): Promise<AckSink> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  let messageId = 1;
  const sink: AckSink = {
    port: socket.address().port,
    registered: 0,
    observed: 0,
    notifications: 0,
    close: () => socket.close(),
  };
  const send = (buffer: Buffer, to: RemoteInfo): void => {
    socket.send(buffer, to.port, to.address);
  };
  socket.on('message', (message, from) => {
    let packet;
    try {
      packet = parse(message);
    } catch {
      return;
    }
    const path = packet.options.filter((o) => o.name === 'Uri-Path').map((o) => o.value.toString());
    if (packet.code === '0.02' && path.length === 1 && path[0] === 'rd') {
      sink.registered++;
      const location = [Buffer.from('rd'), Buffer.from(String(sink.registered))];
      const options = location.map((value) => ({ name: 'Location-Path' as const, value }));
      send(
        generate({ code: '2.01', messageId: packet.messageId, token: packet.token, ack: true, options }),
        from,
      );
      const observe = [
        { name: 'Observe' as const, value: Buffer.alloc(0) },
        ...['10341', '0', '26342'].map((p) => ({ name: 'Uri-Path' as const, value: Buffer.from(p) })),
      ];
      messageId = (messageId + 1) & 0xffff;
      send(
        generate({
          code: 'GET',
          messageId,
          token: Buffer.from([1, 2, 3, 4]),
          confirmable: true,
          options: observe,
        }),
        from,
      );
    } else if (packet.code === '0.02' || packet.code === '0.04') {
      send(
        generate({
          code: packet.code === '0.02' ? '2.04' : '2.02',
          messageId: packet.messageId,
          token: packet.token,
          ack: true,
        }),
        from,
      );
    } else if (packet.code === '2.05' && packet.ack) {
      sink.observed++;
    } else if (packet.code === '2.05' && packet.confirmable) {
      sink.notifications++;
      send(generate({ code: '0.00', messageId: packet.messageId, ack: true }), from);
    }
  });
  return sink;
}
