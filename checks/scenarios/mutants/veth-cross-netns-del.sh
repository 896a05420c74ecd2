# Mutants: work-without-rtnl, work-skips-run-todo, no-drain-on-unlock, queue-net-no-work,
# unreg-head-wrong-lock (and the equivalent veth-no-peer-ref).
# Deleting veth0 in ns1 hands its peer veth1 to ns2's queue and work; nothing else locks ns2,
# so only rtnl_net_work_func(ns2) can unregister it.
# work-without-rtnl: the work unregisters veth1 without RTNL (S5).
# work-skips-run-todo: the work leaves veth1 on net_todo_list at __rtnl_unlock() (S11).
# no-drain-on-unlock, queue-net-no-work: veth1 stays queued for ever (L1, end-state check).
# unreg-head-wrong-lock: ip#N edits ns2->dev_unreg_head holding ns1->dev_unreg_lock (S16).
# Expected (faithful): ns1 and ns2 end empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip -n ns1 link del veth0
