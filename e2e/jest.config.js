import { jestConfig } from '../tools/jest/preset.js';

export default { ...jestConfig(import.meta.dirname), testTimeout: 180_000 };
