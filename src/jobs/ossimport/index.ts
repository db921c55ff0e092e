/**
 * ossimport compatibility: read its `job.cfg` and `sys.properties` into a
 * Ferry job and addresses (`ferry job import`).
 */
export { configText } from './config-text.js';
export { parseProperties, parsePropertyEntries, serializeProperties, type PropertyEntry } from './properties.js';
export {
  parseOssimportJob,
  SUPPORTED_SOURCE_TYPES,
  UNTIL_STOPPED_RUNS,
  type OssimportImport,
  type OssimportSource,
  type OssimportDestination,
  type OssimportParseOptions,
} from './job-config.js';
