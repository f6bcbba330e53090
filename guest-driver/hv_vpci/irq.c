// SPDX-License-Identifier: GPL-2.0
/*
 * hv_vpci interrupts: the children's MSI/MSI-X irq domain, stacked on the
 * x86 vector domain.  Composing a message asks the host for an address/data
 * pair (CREATE_INTERRUPT); unmasking tells the host the final vector and CPU
 * (the retarget extension), so the host knows the new target before the
 * interrupt can fire again.  eager_affinity=1 selects the historical
 * design instead.  Compose, mask and unmask run under the irq descriptor
 * lock with interrupts off: their host round trips poll.
 */

#include <linux/cpumask.h>
#include <linux/irq.h>
#include <linux/module.h>
#include <asm/hw_irq.h>
#include <asm/irqdomain.h>
#include <asm/msi.h>

#include "hv_vpci.h"

bool hv_vpci_eager_affinity;
module_param_named(eager_affinity, hv_vpci_eager_affinity, bool, 0444);
MODULE_PARM_DESC(eager_affinity,
		 "Historical interrupt design: compose sends the real CPU, unmask does not retarget (default: off)");

/* The CPU the vector domain chose: first online CPU of the effective mask. */
static unsigned int hv_vpci_irq_cpu(struct irq_data *data)
{
	const struct cpumask *eff = irq_data_get_effective_affinity_mask(data);
	unsigned int cpu = cpumask_first_and(eff, cpu_online_mask);

	return cpu < nr_cpu_ids ? cpu : cpumask_first(cpu_online_mask);
}

static u64 hv_vpci_vp_mask(unsigned int cpu)
{
	return cpu < 64 ? BIT_ULL(cpu) : 0;
}

static void hv_vpci_delete_interrupt(struct hv_vpci_bus *hbus, u32 wslot,
				     const struct hv_vpci_tran_int_desc *desc)
{
	struct hv_vpci_delete_interrupt msg = {
		.type = HV_VPCI_DELETE_INTERRUPT_MESSAGE,
		.wslot = wslot,
		.int_desc = *desc,
	};

	if (desc->vector_count)
		hv_vpci_post(hbus, "delete interrupt", &msg, sizeof(msg));
}

/**
 * hv_vpci_create_interrupt() - CREATE_INTERRUPT in the negotiated version
 * @hbus:	the bus
 * @wslot:	the function
 * @vector:	the IDT vector the guest allocated
 * @cpu:	the CPU the vector is on
 * @out:	the host's address/data
 *
 * In the fixed design the CPUs are a placeholder (all CPUs for v1, the
 * target CPU for v2/v3); the real target reaches the host at unmask.  With
 * eager_affinity v1 carries the real CPU too.  Runs in atomic context.
 *
 * Return: 0 or -errno.
 */
static int hv_vpci_create_interrupt(struct hv_vpci_bus *hbus, u32 wslot,
				    u32 vector, unsigned int cpu,
				    struct hv_vpci_tran_int_desc *out)
{
	union {
		struct hv_vpci_create_interrupt v1;
		struct hv_vpci_create_interrupt2 v2;
		struct hv_vpci_create_interrupt3 v3;
	} msg = {};
	struct hv_vpci_create_int_response resp;
	u32 len;
	int ret;

	switch (hbus->protocol) {
	case HV_VPCI_PROTOCOL_1_1:
		msg.v1.type = HV_VPCI_CREATE_INTERRUPT_MESSAGE;
		msg.v1.wslot = wslot;
		msg.v1.int_desc.vector = vector;
		msg.v1.int_desc.delivery_mode = HV_VPCI_DELIVERY_FIXED;
		msg.v1.int_desc.vector_count = 1;
		msg.v1.int_desc.cpu_mask = hv_vpci_eager_affinity ?
					   hv_vpci_vp_mask(cpu) : U64_MAX;
		len = sizeof(msg.v1);
		break;
	case HV_VPCI_PROTOCOL_1_2:
	case HV_VPCI_PROTOCOL_1_3:
		msg.v2.type = HV_VPCI_CREATE_INTERRUPT_MESSAGE2;
		msg.v2.wslot = wslot;
		msg.v2.int_desc.vector = vector;
		msg.v2.int_desc.delivery_mode = HV_VPCI_DELIVERY_FIXED;
		msg.v2.int_desc.vector_count = 1;
		msg.v2.int_desc.processor_count = 1;
		msg.v2.int_desc.processor_array[0] = cpu;
		len = sizeof(msg.v2);
		break;
	default:
		msg.v3.type = HV_VPCI_CREATE_INTERRUPT_MESSAGE3;
		msg.v3.wslot = wslot;
		msg.v3.int_desc.vector = vector;
		msg.v3.int_desc.delivery_mode = HV_VPCI_DELIVERY_FIXED;
		msg.v3.int_desc.vector_count = 1;
		msg.v3.int_desc.processor_count = 1;
		msg.v3.int_desc.processor_array[0] = cpu;
		len = sizeof(msg.v3);
		break;
	}

	ret = hv_vpci_call(hbus, "create interrupt", &msg, len, &resp,
			   sizeof(resp), true);
	if (ret)
		return ret;
	*out = resp.int_desc;
	return 0;
}

static void hv_vpci_compose_msi_msg(struct irq_data *data, struct msi_msg *msg)
{
	struct pci_dev *pdev = msi_desc_to_pci_dev(irq_data_get_msi_desc(data));
	struct hv_vpci_bus *hbus = hv_vpci_from_bus(pdev->bus);
	struct hv_vpci_tran_int_desc *int_desc = data->chip_data;
	u32 wslot = hv_vpci_devfn_to_wslot(pdev->devfn);
	struct irq_cfg *cfg = irqd_cfg(data);
	unsigned int cpu;

	/* A recompose (reactivation) replaces the host's old entry. */
	if (int_desc) {
		data->chip_data = NULL;
		hv_vpci_delete_interrupt(hbus, wslot, int_desc);
		kfree(int_desc);
	}
	if (!cfg)
		goto fail;
	int_desc = kzalloc(sizeof(*int_desc), GFP_ATOMIC);
	if (!int_desc)
		goto fail;
	cpu = hv_vpci_irq_cpu(data);
	if (hv_vpci_create_interrupt(hbus, wslot, cfg->vector, cpu, int_desc)) {
		dev_err_ratelimited(&pdev->dev,
				    "irq %u (vector %u, CPU %u) gets no MSI message; it will not fire\n",
				    data->irq, cfg->vector, cpu);
		kfree(int_desc);
		goto fail;
	}
	data->chip_data = int_desc;
	msg->address_hi = upper_32_bits(int_desc->address);
	msg->address_lo = lower_32_bits(int_desc->address);
	msg->data = int_desc->data;
	return;

fail:
	msg->address_hi = 0;
	msg->address_lo = 0;
	msg->data = 0;
}

/* Tell the host the final vector and CPU: the retarget extension. */
static void hv_vpci_retarget(struct irq_data *data)
{
	struct pci_dev *pdev = msi_desc_to_pci_dev(irq_data_get_msi_desc(data));
	struct hv_vpci_bus *hbus = hv_vpci_from_bus(pdev->bus);
	const struct hv_vpci_tran_int_desc *int_desc = data->chip_data;
	struct irq_cfg *cfg = irqd_cfg(data);
	struct hv_vpci_x_retarget_interrupt msg = {
		.type = HV_VPCI_X_RETARGET_INTERRUPT,
		.wslot = hv_vpci_devfn_to_wslot(pdev->devfn),
	};
	struct hv_vpci_response resp;
	unsigned int cpu;
	int ret;

	if (!int_desc || !cfg) {
		dev_warn_ratelimited(&pdev->dev,
				     "irq %u unmasked before it was composed; not retargeted\n",
				     data->irq);
		return;
	}
	if (READ_ONCE(hbus->no_retarget))
		return;
	cpu = hv_vpci_irq_cpu(data);
	msg.address = lower_32_bits(int_desc->address);
	msg.data = int_desc->data;
	msg.vector = cfg->vector;
	msg.vp_mask = hv_vpci_vp_mask(cpu);
	ret = hv_vpci_call(hbus, "retarget interrupt", &msg, sizeof(msg), &resp,
			   sizeof(resp), true);
	if (ret == -EOPNOTSUPP) {
		/*
		 * A host without interrupt remapping: the message composed
		 * for the final vector and CPU already went to the device,
		 * and there is nothing in between to retarget.
		 */
		WRITE_ONCE(hbus->no_retarget, true);
		dev_info(&hbus->pdev->dev,
			 "host does not retarget interrupts (no interrupt remapping): messages go to the APIC as composed\n");
	} else if (ret) {
		dev_err_ratelimited(&pdev->dev,
				    "irq %u: host did not take vector %u on CPU %u; it keeps its old target\n",
				    data->irq, cfg->vector, cpu);
	}
}

static void hv_vpci_irq_mask(struct irq_data *data)
{
	pci_msi_mask_irq(data);
	if (data->parent_data->chip->irq_mask)
		irq_chip_mask_parent(data);
}

static void hv_vpci_irq_unmask(struct irq_data *data)
{
	/* Fixed design: the new target reaches the host before unmasking. */
	if (!hv_vpci_eager_affinity)
		hv_vpci_retarget(data);
	if (data->parent_data->chip->irq_unmask)
		irq_chip_unmask_parent(data);
	pci_msi_unmask_irq(data);
}

static void hv_vpci_msi_free(struct irq_domain *domain,
			     struct msi_domain_info *info, unsigned int virq)
{
	struct irq_data *data = irq_domain_get_irq_data(domain, virq);
	struct hv_vpci_tran_int_desc *int_desc;
	struct msi_desc *desc;
	struct pci_dev *pdev;

	if (!data || !data->chip_data)
		return;
	int_desc = data->chip_data;
	data->chip_data = NULL;
	desc = irq_data_get_msi_desc(data);
	if (desc) {
		pdev = msi_desc_to_pci_dev(desc);
		hv_vpci_delete_interrupt(hv_vpci_from_bus(pdev->bus),
					 hv_vpci_devfn_to_wslot(pdev->devfn),
					 int_desc);
	}
	kfree(int_desc);
}

/*
 * Only the parent moves: a remapping host learns the new target at unmask
 * (retarget).  A host without remapping has nothing in between to
 * retarget, so the fixed design reprograms the device here, as the generic
 * MSI domain would.  The historical design (eager_affinity) never did.
 */
static int hv_vpci_irq_set_affinity(struct irq_data *data,
				    const struct cpumask *dest, bool force)
{
	struct pci_dev *pdev = msi_desc_to_pci_dev(irq_data_get_msi_desc(data));
	struct hv_vpci_bus *hbus = hv_vpci_from_bus(pdev->bus);
	struct msi_msg msg;
	int ret;

	ret = irq_chip_set_affinity_parent(data, dest, force);
	if (ret >= 0 && ret != IRQ_SET_MASK_OK_DONE &&
	    !hv_vpci_eager_affinity && READ_ONCE(hbus->no_retarget)) {
		hv_vpci_compose_msi_msg(data, &msg);
		pci_write_msi_msg(data->irq, &msg);
	}
	return ret;
}

static struct irq_chip hv_vpci_msi_chip = {
	.name			= "hv_vpci",
	.irq_compose_msi_msg	= hv_vpci_compose_msi_msg,
	.irq_set_affinity	= hv_vpci_irq_set_affinity,
	.irq_ack		= irq_chip_ack_parent,
	.irq_retrigger		= irq_chip_retrigger_hierarchy,
	.irq_mask		= hv_vpci_irq_mask,
	.irq_unmask		= hv_vpci_irq_unmask,
};

static struct msi_domain_ops hv_vpci_msi_domain_ops = {
	.msi_prepare	= pci_msi_prepare,
	.msi_free	= hv_vpci_msi_free,
};

int hv_vpci_create_irq_domain(struct hv_vpci_bus *hbus)
{
	hbus->msi_info.chip = &hv_vpci_msi_chip;
	hbus->msi_info.ops = &hv_vpci_msi_domain_ops;
	/* No multi-MSI: x86's vector domain cannot give contiguous vectors. */
	hbus->msi_info.flags = MSI_FLAG_USE_DEF_DOM_OPS |
			       MSI_FLAG_USE_DEF_CHIP_OPS | MSI_FLAG_PCI_MSIX;
	hbus->msi_info.handler = handle_edge_irq;
	hbus->msi_info.handler_name = "edge";

	hbus->fwnode = irq_domain_alloc_named_id_fwnode("hv_vpci",
							hbus->domain_nr);
	if (!hbus->fwnode)
		return -ENOMEM;
	hbus->irq_domain = pci_msi_create_irq_domain(hbus->fwnode,
						     &hbus->msi_info,
						     x86_vector_domain);
	if (!hbus->irq_domain) {
		dev_err(&hbus->pdev->dev, "cannot create the MSI irq domain\n");
		irq_domain_free_fwnode(hbus->fwnode);
		return -ENODEV;
	}
	return 0;
}

void hv_vpci_remove_irq_domain(struct hv_vpci_bus *hbus)
{
	irq_domain_remove(hbus->irq_domain);
	irq_domain_free_fwnode(hbus->fwnode);
}
