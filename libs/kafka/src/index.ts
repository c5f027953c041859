export * from './client.js';
export * from './co-partitioned-assigner.js';
export * from './crc32c.js';
export * from './group-members.js';
export * from './produce-request.js';
export * from './partitioner.js';
export * from './topics.js';
export * from './topic-reader.js';
export * from './transactional-pipeline.js';
export {
  CompressionTypes,
  Partitioners,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  type Kafka,
  type KafkaMessage,
  type Message,
  type Producer,
  type RecordMetadata,
  type Transaction,
} from 'kafkajs';
