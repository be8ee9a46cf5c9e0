// An unmodified Eclipse Leshan 2.x LwM2M client for the interop test: Leshan's
// own Security, Server and Device objects, registering the way Leshan does
// (lwm2m=1.1, objects and instances only). Usage:
//   LeshanShelfClient <coap://host:port> <endpoint name>
// It prints "started", runs until its standard input closes, then de-registers.
package io.shelfpulse.interop;

import org.eclipse.leshan.client.LeshanClient;
import org.eclipse.leshan.client.LeshanClientBuilder;
import org.eclipse.leshan.client.californium.endpoint.CaliforniumClientEndpointsProvider;
import org.eclipse.leshan.client.object.Device;
import org.eclipse.leshan.client.object.Security;
import org.eclipse.leshan.client.object.Server;
import org.eclipse.leshan.client.resource.ObjectsInitializer;
import org.eclipse.leshan.core.LwM2mId;
import org.eclipse.leshan.core.model.ObjectLoader;
import org.eclipse.leshan.core.model.StaticModel;

public final class LeshanShelfClient {
  public static void main(String[] args) throws Exception {
    ObjectsInitializer objects = new ObjectsInitializer(new StaticModel(ObjectLoader.loadDefault()));
    objects.setInstancesForObject(LwM2mId.SECURITY, Security.noSec(args[0], 123));
    objects.setInstancesForObject(LwM2mId.SERVER, new Server(123, 300));
    objects.setInstancesForObject(LwM2mId.DEVICE, new Device("ShelfPulse interop", "leshan-shelf", "42"));
    LeshanClientBuilder builder = new LeshanClientBuilder(args[1]);
    builder.setObjects(objects.createAll());
    builder.setEndpointsProviders(new CaliforniumClientEndpointsProvider());
    LeshanClient client = builder.build();
    client.start();
    System.out.println("started");
    while (System.in.read() >= 0) {
      // Runs until the test closes standard input.
    }
    client.destroy(true);
  }
}
