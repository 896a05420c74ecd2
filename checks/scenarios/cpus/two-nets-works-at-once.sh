# Two CPUs (issue 15 item 4): two commands each delete a veth whose peer lives in another net,
# so each hands the peer to that net's rtnl_work from its own thread. queue_work() puts each
# item on its queuing thread's CPU (__queue_work(): raw_smp_processor_id()); from two CPUs
# ns2's and ns4's works run at the same time, from one they take turns (max_active 1).
# Expected: every namespace ends empty of veths.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip netns add ns4
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip -n ns3 link add veth2 type veth peer name veth3 netns ns4
ip -n ns1 link del veth0 &
ip -n ns3 link del veth2 &
wait
