import { startDynalite } from './helpers.js';
import { storeSuite } from './suite.js';

storeSuite('dynalite (embedded)', startDynalite);
