// The package's public surface: the API schemas and types, the CRDs, and the operator.
export { apiVersion, group, version } from './api/group.ts';
export { ConditionSchema, type Condition } from './api/condition.ts';
export { PlacementSchema, positions, type Placement, type Position } from './api/placement.ts';
export { BehaviourSchema, type Behaviour } from './api/behaviour.ts';
export {
  SimulatorConfigSchema,
  type SimulatorConfig,
  type SimulatorConfigInput,
} from './api/simulator-config.ts';
export {
  ShelfFleetSpecSchema,
  ShelfFleetStatusSchema,
  type ShelfFleet,
  type ShelfFleetSpec,
  type ShelfFleetStatus,
} from './api/shelf-fleet.ts';
export {
  MetricSinkSpecSchema,
  MetricSinkStatusSchema,
  type MetricSink,
  type MetricSinkSpec,
  type MetricSinkStatus,
} from './api/metric-sink.ts';
export { crds } from './crd/definitions.ts';
export { installCrds } from './crd/install.ts';
export { configFromEnv, OperatorConfigSchema, type OperatorConfig } from './config.ts';
export { startOperator, type OperatorOptions, type RunningOperator } from './operator.ts';
