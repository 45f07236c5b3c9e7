/**
 * Every mutating EC2 and IAM grant of upstream Karpenter's controller policy, as `deriveScoping`
 * (karpenterScoping.ts) reads it from the getting-started CloudFormation template; tests/policyRules.spec.ts
 * re-derives it from the template and compares. CloudFormation variables are left as written.
 */
/** One grant of upstream's controller policy: an action on a resource, with the conditions upstream puts on it. */
export interface ScopedGrant {
    sid: string;
    action: string;
    resource: string;
    /** Operator → condition key → values, as upstream writes them. */
    condition: Record<string, Record<string, string[]>>;
}

export const UPSTREAM_CONTROLLER_SCOPING: { version: string; source: string; grants: ScopedGrant[] } = {
    "version": "v1.14.1",
    "source": "aws/karpenter-provider-aws v1.14.1 (bde00654cd316fddb3dccfba3f5ac07039865429), website/content/en/docs/getting-started/getting-started-with-karpenter/cloudformation.yaml: the PolicyDocument of each controller ManagedPolicy, CloudFormation variables left as written",
    "grants": [
        {
            "sid": "AllowScopedEC2InstanceAccessActions",
            "action": "ec2:RunInstances",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}::image/*",
            "condition": {}
        },
        {
            "sid": "AllowScopedEC2InstanceAccessActions",
            "action": "ec2:RunInstances",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}::snapshot/*",
            "condition": {}
        },
        {
            "sid": "AllowScopedEC2InstanceAccessActions",
            "action": "ec2:RunInstances",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:security-group/*",
            "condition": {}
        },
        {
            "sid": "AllowScopedEC2InstanceAccessActions",
            "action": "ec2:RunInstances",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:subnet/*",
            "condition": {}
        },
        {
            "sid": "AllowScopedEC2InstanceAccessActions",
            "action": "ec2:RunInstances",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:capacity-reservation/*",
            "condition": {}
        },
        {
            "sid": "AllowScopedEC2InstanceAccessActions",
            "action": "ec2:RunInstances",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:placement-group/*",
            "condition": {}
        },
        {
            "sid": "AllowScopedEC2InstanceAccessActions",
            "action": "ec2:CreateFleet",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}::image/*",
            "condition": {}
        },
        {
            "sid": "AllowScopedEC2InstanceAccessActions",
            "action": "ec2:CreateFleet",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}::snapshot/*",
            "condition": {}
        },
        {
            "sid": "AllowScopedEC2InstanceAccessActions",
            "action": "ec2:CreateFleet",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:security-group/*",
            "condition": {}
        },
        {
            "sid": "AllowScopedEC2InstanceAccessActions",
            "action": "ec2:CreateFleet",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:subnet/*",
            "condition": {}
        },
        {
            "sid": "AllowScopedEC2InstanceAccessActions",
            "action": "ec2:CreateFleet",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:capacity-reservation/*",
            "condition": {}
        },
        {
            "sid": "AllowScopedEC2InstanceAccessActions",
            "action": "ec2:CreateFleet",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:placement-group/*",
            "condition": {}
        },
        {
            "sid": "AllowScopedEC2LaunchTemplateAccessActions",
            "action": "ec2:RunInstances",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:launch-template/*",
            "condition": {
                "StringEquals": {
                    "aws:ResourceTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ]
                },
                "StringLike": {
                    "aws:ResourceTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedEC2LaunchTemplateAccessActions",
            "action": "ec2:CreateFleet",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:launch-template/*",
            "condition": {
                "StringEquals": {
                    "aws:ResourceTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ]
                },
                "StringLike": {
                    "aws:ResourceTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedEC2InstanceActionsWithTags",
            "action": "ec2:RunInstances",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:fleet/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedEC2InstanceActionsWithTags",
            "action": "ec2:RunInstances",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:instance/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedEC2InstanceActionsWithTags",
            "action": "ec2:RunInstances",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:volume/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedEC2InstanceActionsWithTags",
            "action": "ec2:RunInstances",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:network-interface/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedEC2InstanceActionsWithTags",
            "action": "ec2:RunInstances",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:launch-template/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedEC2InstanceActionsWithTags",
            "action": "ec2:RunInstances",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:spot-instances-request/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedEC2InstanceActionsWithTags",
            "action": "ec2:CreateFleet",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:fleet/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedEC2InstanceActionsWithTags",
            "action": "ec2:CreateFleet",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:instance/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedEC2InstanceActionsWithTags",
            "action": "ec2:CreateFleet",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:volume/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedEC2InstanceActionsWithTags",
            "action": "ec2:CreateFleet",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:network-interface/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedEC2InstanceActionsWithTags",
            "action": "ec2:CreateFleet",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:launch-template/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedEC2InstanceActionsWithTags",
            "action": "ec2:CreateFleet",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:spot-instances-request/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedEC2InstanceActionsWithTags",
            "action": "ec2:CreateLaunchTemplate",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:fleet/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedEC2InstanceActionsWithTags",
            "action": "ec2:CreateLaunchTemplate",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:instance/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedEC2InstanceActionsWithTags",
            "action": "ec2:CreateLaunchTemplate",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:volume/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedEC2InstanceActionsWithTags",
            "action": "ec2:CreateLaunchTemplate",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:network-interface/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedEC2InstanceActionsWithTags",
            "action": "ec2:CreateLaunchTemplate",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:launch-template/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedEC2InstanceActionsWithTags",
            "action": "ec2:CreateLaunchTemplate",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:spot-instances-request/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedResourceCreationTagging",
            "action": "ec2:CreateTags",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:fleet/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ],
                    "ec2:CreateAction": [
                        "RunInstances",
                        "CreateFleet",
                        "CreateLaunchTemplate"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedResourceCreationTagging",
            "action": "ec2:CreateTags",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:instance/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ],
                    "ec2:CreateAction": [
                        "RunInstances",
                        "CreateFleet",
                        "CreateLaunchTemplate"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedResourceCreationTagging",
            "action": "ec2:CreateTags",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:volume/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ],
                    "ec2:CreateAction": [
                        "RunInstances",
                        "CreateFleet",
                        "CreateLaunchTemplate"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedResourceCreationTagging",
            "action": "ec2:CreateTags",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:network-interface/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ],
                    "ec2:CreateAction": [
                        "RunInstances",
                        "CreateFleet",
                        "CreateLaunchTemplate"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedResourceCreationTagging",
            "action": "ec2:CreateTags",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:launch-template/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ],
                    "ec2:CreateAction": [
                        "RunInstances",
                        "CreateFleet",
                        "CreateLaunchTemplate"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedResourceCreationTagging",
            "action": "ec2:CreateTags",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:spot-instances-request/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ],
                    "ec2:CreateAction": [
                        "RunInstances",
                        "CreateFleet",
                        "CreateLaunchTemplate"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedResourceTagging",
            "action": "ec2:CreateTags",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:instance/*",
            "condition": {
                "StringEquals": {
                    "aws:ResourceTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ]
                },
                "StringLike": {
                    "aws:ResourceTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                },
                "StringEqualsIfExists": {
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ]
                },
                "ForAllValues:StringEquals": {
                    "aws:TagKeys": [
                        "eks:eks-cluster-name",
                        "karpenter.sh/nodeclaim",
                        "Name"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedDeletion",
            "action": "ec2:TerminateInstances",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:instance/*",
            "condition": {
                "StringEquals": {
                    "aws:ResourceTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ]
                },
                "StringLike": {
                    "aws:ResourceTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedDeletion",
            "action": "ec2:TerminateInstances",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:launch-template/*",
            "condition": {
                "StringEquals": {
                    "aws:ResourceTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ]
                },
                "StringLike": {
                    "aws:ResourceTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedDeletion",
            "action": "ec2:DeleteLaunchTemplate",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:instance/*",
            "condition": {
                "StringEquals": {
                    "aws:ResourceTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ]
                },
                "StringLike": {
                    "aws:ResourceTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedDeletion",
            "action": "ec2:DeleteLaunchTemplate",
            "resource": "arn:${AWS::Partition}:ec2:${AWS::Region}:*:launch-template/*",
            "condition": {
                "StringEquals": {
                    "aws:ResourceTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ]
                },
                "StringLike": {
                    "aws:ResourceTag/karpenter.sh/nodepool": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowPassingInstanceRole",
            "action": "iam:PassRole",
            "resource": "${KarpenterNodeRole.Arn}",
            "condition": {
                "StringEquals": {
                    "iam:PassedToService": [
                        "ec2.amazonaws.com",
                        "ec2.amazonaws.com.cn"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedInstanceProfileCreationActions",
            "action": "iam:CreateInstanceProfile",
            "resource": "arn:${AWS::Partition}:iam::${AWS::AccountId}:instance-profile/*",
            "condition": {
                "StringEquals": {
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ],
                    "aws:RequestTag/topology.kubernetes.io/region": [
                        "${AWS::Region}"
                    ]
                },
                "StringLike": {
                    "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedInstanceProfileTagActions",
            "action": "iam:TagInstanceProfile",
            "resource": "arn:${AWS::Partition}:iam::${AWS::AccountId}:instance-profile/*",
            "condition": {
                "StringEquals": {
                    "aws:ResourceTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:ResourceTag/topology.kubernetes.io/region": [
                        "${AWS::Region}"
                    ],
                    "aws:RequestTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:RequestTag/eks:eks-cluster-name": [
                        "${ClusterName}"
                    ],
                    "aws:RequestTag/topology.kubernetes.io/region": [
                        "${AWS::Region}"
                    ]
                },
                "StringLike": {
                    "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": [
                        "*"
                    ],
                    "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedInstanceProfileActions",
            "action": "iam:AddRoleToInstanceProfile",
            "resource": "arn:${AWS::Partition}:iam::${AWS::AccountId}:instance-profile/*",
            "condition": {
                "StringEquals": {
                    "aws:ResourceTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:ResourceTag/topology.kubernetes.io/region": [
                        "${AWS::Region}"
                    ]
                },
                "StringLike": {
                    "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedInstanceProfileActions",
            "action": "iam:RemoveRoleFromInstanceProfile",
            "resource": "arn:${AWS::Partition}:iam::${AWS::AccountId}:instance-profile/*",
            "condition": {
                "StringEquals": {
                    "aws:ResourceTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:ResourceTag/topology.kubernetes.io/region": [
                        "${AWS::Region}"
                    ]
                },
                "StringLike": {
                    "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": [
                        "*"
                    ]
                }
            }
        },
        {
            "sid": "AllowScopedInstanceProfileActions",
            "action": "iam:DeleteInstanceProfile",
            "resource": "arn:${AWS::Partition}:iam::${AWS::AccountId}:instance-profile/*",
            "condition": {
                "StringEquals": {
                    "aws:ResourceTag/kubernetes.io/cluster/${ClusterName}": [
                        "owned"
                    ],
                    "aws:ResourceTag/topology.kubernetes.io/region": [
                        "${AWS::Region}"
                    ]
                },
                "StringLike": {
                    "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": [
                        "*"
                    ]
                }
            }
        }
    ]
};
