import { describe, expect, it } from 'vitest';
import {
  dedupStateTopic,
  deploymentTopicNames,
  locateStateTopic,
  pipelineLagTargets,
  pipelineTopics,
} from '../../../pipeline/pipeline.js';
import { kafkaTopics } from '../../../schemas/index.js';

describe("pipelineTopics: a pipeline over another prefix's raw reads", () => {
  it('takes the raw reads and reader status from the reads prefix, every other topic from its own', () => {
    const topics = pipelineTopics('shadow', 'bondtrack');
    const own = kafkaTopics('shadow');
    const source = kafkaTopics('bondtrack');
    expect(topics).toEqual({ ...own, reads: source.reads, readerStatus: source.readerStatus });
    expect(pipelineTopics('shadow')).toEqual(own);
    expect(pipelineTopics('shadow', 'shadow')).toEqual(own);
  });

  it('watches the lag of its own groups on the topics they read', () => {
    const dedup = pipelineLagTargets('shadow', 'bondtrack').find((t) => t.groupId === 'shadow.dedup');
    expect(dedup?.topics).toEqual(['bondtrack.reads.v1', 'bondtrack.reader-status.v1']);
  });
});

describe('deploymentTopicNames', () => {
  it("names every contract topic of the prefix and both stages' changelogs, nothing of another prefix", () => {
    const names = deploymentTopicNames('shadow');
    expect(names.sort()).toEqual(
      [
        ...(Object.values(kafkaTopics('shadow')) as string[]),
        dedupStateTopic('shadow'),
        locateStateTopic('shadow'),
      ].sort(),
    );
    expect(names.every((n) => n.startsWith('shadow.'))).toBe(true);
  });
});
