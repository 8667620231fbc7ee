import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';

/** The actions of the library's alarms: those given, plus a notification to the topic when there is one. */
export function alarmActionsOf(
  options: { readonly alarmActions?: cloudwatch.IAlarmAction[]; readonly alarmTopic?: sns.ITopic },
): cloudwatch.IAlarmAction[] {
  return [...(options.alarmActions ?? []), ...(options.alarmTopic ? [new actions.SnsAction(options.alarmTopic)] : [])];
}
