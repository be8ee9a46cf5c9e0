// The package's public surface: the API schemas and types, the CRDs, and the operator.
export { apiVersion, group, version } from '@shelfpulse/core/api/group';
export { ConditionSchema, type Condition } from '@shelfpulse/core/api/condition';
export { PlacementSchema, positions, type Placement, type Position } from '@shelfpulse/core/api/placement';
export { BehaviourSchema, type Behaviour } from '@shelfpulse/core/api/behaviour';
export {
  SimulatorConfigSchema,
  type SimulatorConfig,
  type SimulatorConfigInput,
} from '@shelfpulse/core/api/simulator-config';
export {
  ShelfFleetSpecSchema,
  ShelfFleetStatusSchema,
  type ShelfFleet,
  type ShelfFleetSpec,
  type ShelfFleetStatus,
} from '@shelfpulse/core/api/shelf-fleet';
export {
  MetricSinkSpecSchema,
  MetricSinkStatusSchema,
  type MetricSink,
  type MetricSinkSpec,
  type MetricSinkStatus,
} from '@shelfpulse/core/api/metric-sink';
export { crds } from './crd/definitions.ts';
export { installCrds } from './crd/install.ts';
export { configFromEnv, OperatorConfigSchema, type OperatorConfig } from './config.ts';
export { startOperator, type OperatorOptions, type RunningOperator } from './operator.ts';
