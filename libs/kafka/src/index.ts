export * from './client.js';
export * from './topics.js';
export * from './topic-reader.js';
export * from './transactional-pipeline.js';
export {
  CompressionTypes,
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
