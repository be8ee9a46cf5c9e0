// The whole test environment: etcd + kube-apiserver (+ kube-controller-manager
// when built) and influxd, each on a free loopback port, data in one temporary
// directory that is removed when the environment stops.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasBinary } from './bins.ts';
import { startEtcd, type Etcd } from './etcd.ts';
import { startInfluxd, type Influxd } from './influxd.ts';
import { startKubeApiserver, type KubeApiserver } from './kube-apiserver.ts';
import { startKubeControllerManager } from './kube-controller-manager.ts';
import { startKubeScheduler } from './kube-scheduler.ts';
import { loadKubeConfig } from './kubeconfig.ts';
import { startKwok } from './kwok.ts';
import type { ManagedProcess } from './managed-process.ts';
import { isAlive } from './process-alive.ts';
import {
  abandonTestNode,
  buildImages,
  claimHostForTestNode,
  nodeNetwork,
  prepareTestNode,
  startTestNode,
  type ImageSet,
  type NodeStatic,
  type TestNode,
} from './node/index.ts';

const workDirPrefix = 'shelfpulse-env-';

/**
 * A run that was killed cannot clean up after itself (its servers die with it,
 * through the parent-death signal); the next run removes the data it left.
 */
function removeAbandonedWorkDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(workDirPrefix)) continue;
    const dir = join(tmpdir(), name);
    try {
      const owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'));
      if (owner > 0 && isAlive(owner)) continue;
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Not ours, or still being created: leave it.
    }
  }
}

/** What tests need to reach the environment; plain data, passed between processes. */
export interface TestEnvInfo {
  workDir: string;
  kube: {
    server: string;
    caFile: string;
    kubeconfig: string;
    adminToken: string;
    controllerManager: boolean;
    /** A node exists (kwok's or a real one): pods get scheduled and become Ready. */
    nodes: boolean;
    /** What runs pods: kwok pretends, a kubelet runs containers from built images. */
    node: 'none' | 'kwok' | 'kubelet';
    /** With a real node: the container runtime it reports, and the images it has. */
    runtimeVersion?: string;
    images?: Omit<ImageSet, 'archives'>;
    /** With a real node: the pod network, reachable from the host. */
    podCidr?: string;
  };
  influx: { url: string };
}

export interface StartOptions {
  kube?: boolean;
  influx?: boolean;
  /** Start kube-controller-manager when its binary is built (default true). */
  controllerManager?: boolean;
  /** Start kube-scheduler and kwok (one fake node) when built, so pods become Ready (default true). */
  nodes?: boolean;
  /**
   * Which node runs pods: 'kwok' (default; pods become Ready, nothing runs) or
   * 'kubelet' (a real kubelet, containerd and kube-proxy running the images
   * built by images/build.sh; needs root). Ignored when `nodes` is false.
   */
  node?: 'kwok' | 'kubelet';
  log?: (line: string) => void;
}

interface Parts {
  etcd?: Etcd | undefined;
  apiserver?: KubeApiserver | undefined;
  controllerManager?: ManagedProcess | undefined;
  scheduler?: ManagedProcess | undefined;
  kwok?: ManagedProcess | undefined;
  node?: TestNode | undefined;
  influxd?: Influxd | undefined;
}

export class TestEnv {
  readonly workDir: string;
  readonly etcd: Etcd | undefined;
  readonly apiserver: KubeApiserver | undefined;
  readonly controllerManager: ManagedProcess | undefined;
  readonly scheduler: ManagedProcess | undefined;
  readonly kwok: ManagedProcess | undefined;
  readonly node: TestNode | undefined;
  readonly influxd: Influxd | undefined;
  private images: ImageSet | undefined;

  private constructor(workDir: string, parts: Parts, images?: ImageSet) {
    this.workDir = workDir;
    this.etcd = parts.etcd;
    this.apiserver = parts.apiserver;
    this.controllerManager = parts.controllerManager;
    this.scheduler = parts.scheduler;
    this.kwok = parts.kwok;
    this.node = parts.node;
    this.influxd = parts.influxd;
    this.images = images;
  }

  static async start(options: StartOptions = {}): Promise<TestEnv> {
    const log = options.log ?? (() => undefined);
    const realNode = options.kube !== false && options.nodes !== false && options.node === 'kubelet';
    if (realNode) await claimHostForTestNode();
    removeAbandonedWorkDirs();
    const workDir = mkdtempSync(join(tmpdir(), workDirPrefix));
    writeFileSync(join(workDir, 'owner.pid'), String(process.pid));
    let etcd: Etcd | undefined;
    let apiserver: KubeApiserver | undefined;
    let controllerManager: ManagedProcess | undefined;
    let scheduler: ManagedProcess | undefined;
    let kwok: ManagedProcess | undefined;
    let node: TestNode | undefined;
    let nodeStatic: NodeStatic | undefined;
    let images: ImageSet | undefined;
    let influxd: Influxd | undefined;
    try {
      // The images build while the servers start.
      const imagesBuilding = realNode ? buildImages(log) : undefined;
      imagesBuilding?.catch(() => undefined);
      const influxStarting = options.influx === false ? undefined : startInfluxd(workDir);
      if (options.kube !== false) {
        let t = Date.now();
        if (realNode) nodeStatic = prepareTestNode(workDir);
        etcd = await startEtcd(workDir);
        log(`etcd ready at ${etcd.url} (${Date.now() - t} ms)`);
        t = Date.now();
        apiserver = await startKubeApiserver(
          workDir,
          etcd.url,
          nodeStatic && {
            address: nodeNetwork.hostAddress,
            tokenLines: nodeStatic.tokenLines,
            kubeletClient: {
              certFile: nodeStatic.pki.apiserverClientCert,
              keyFile: nodeStatic.pki.apiserverClientKey,
            },
          },
        );
        log(`kube-apiserver ready at ${apiserver.server} (${Date.now() - t} ms)`);
        if (options.controllerManager !== false && hasBinary('kube-controller-manager')) {
          controllerManager = await startKubeControllerManager(workDir, apiserver, { realNode });
          log('kube-controller-manager started');
        }
        if (nodeStatic && imagesBuilding) {
          scheduler = await startKubeScheduler(workDir, apiserver);
          images = await imagesBuilding;
          node = await startTestNode(
            nodeStatic,
            apiserver,
            loadKubeConfig(apiserver.kubeconfig),
            images,
            log,
          );
        } else if (options.nodes !== false && hasBinary('kube-scheduler') && hasBinary('kwok')) {
          t = Date.now();
          scheduler = await startKubeScheduler(workDir, apiserver);
          kwok = await startKwok(workDir, apiserver);
          log(`kube-scheduler and kwok node ready (${Date.now() - t} ms)`);
        }
      }
      influxd = await influxStarting;
      if (influxd) log(`influxd ready at ${influxd.url}`);
      return new TestEnv(
        workDir,
        { etcd, apiserver, controllerManager, scheduler, kwok, node, influxd },
        images,
      );
    } catch (error) {
      await new TestEnv(workDir, {
        etcd,
        apiserver,
        controllerManager,
        scheduler,
        kwok,
        node,
        influxd,
      }).stop();
      if (nodeStatic && !node) await abandonTestNode(nodeStatic);
      throw error;
    }
  }

  info(): TestEnvInfo {
    const api = this.apiserver;
    return {
      workDir: this.workDir,
      kube: {
        server: api?.server ?? '',
        caFile: api?.caFile ?? '',
        kubeconfig: api?.kubeconfig ?? '',
        adminToken: api?.adminToken ?? '',
        controllerManager: this.controllerManager !== undefined,
        nodes: this.kwok !== undefined || this.node !== undefined,
        node: this.node ? 'kubelet' : this.kwok ? 'kwok' : 'none',
        ...(this.node && this.images
          ? {
              runtimeVersion: this.node.runtimeVersion,
              images: {
                operator: this.images.operator,
                simulator: this.images.simulator,
                influxdb: this.images.influxdb,
                pause: this.images.pause,
                coredns: this.images.coredns,
              },
              podCidr: nodeNetwork.podCidr,
            }
          : {}),
      },
      influx: { url: this.influxd?.url ?? '' },
    };
  }

  /** Stops every server (the API server before etcd) and removes the data. */
  async stop(): Promise<void> {
    // The node first: its pods and kubelet need the API server to wind down.
    await this.node?.stop();
    await Promise.all([
      this.controllerManager?.stop(),
      this.scheduler?.stop(),
      this.kwok?.stop(),
      this.influxd?.stop(),
    ]);
    await this.apiserver?.stop();
    await this.etcd?.stop();
    if (!process.env['SHELFPULSE_KEEP_TESTENV']) rmSync(this.workDir, { recursive: true, force: true });
  }
}
