import { javaAvailable, startDynamoDbLocal } from './helpers.js';
import { storeSuite } from './suite.js';

const hasJava = javaAvailable();
if (!hasJava) {
  console.warn('DynamoDB Local suite skipped: `java` is not on PATH (CI installs Java 17).');
}
storeSuite('DynamoDB Local', startDynamoDbLocal, hasJava ? null : 'java is not on PATH');
