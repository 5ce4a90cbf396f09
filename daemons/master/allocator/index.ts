// The allocator's public surface: the master imports from here.
export {
  type Allocation,
  type AllocatorOptions,
  DEFAULT_MIN_ALLOCATABLE,
  DrfAllocator,
  type FrameworkAllocInfo,
} from './allocator.ts';
export { allocationPauseMs } from './pacing.ts';
